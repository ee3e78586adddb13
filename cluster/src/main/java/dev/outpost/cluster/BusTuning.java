package dev.outpost.cluster;

import java.time.Duration;

/**
 * Internal timing and memory bounds of the cache bus. The defaults suit production; tests pass
 * shorter intervals so that retries happen within their deadlines.
 *
 * @param retryInterval how long an own invalidation may go unanswered before it is sent again (it
 *     was lost with a coordinator that failed, or reached a node that had not yet installed the view
 *     that made it coordinator)
 * @param recentWindow how far back, at a coordinator change or merge, delivered invalidations are
 *     sent again into the new term (they may have reached only some nodes of the old term)
 * @param maxRecent at most this many recent invalidations are remembered for that
 * @param ownFillTtl how long this node keeps its own fill object waiting for its sequence number
 * @param maxOwnFills at most this many own fills wait at once; more are dropped
 * @param maxRetainedBytes bytes of fills too large to replicate that may wait for their sequence
 * @param maxQueuedFillBytes bytes of fill frames that may wait in the outbox; more are dropped
 * @param tick how often the sender thread does housekeeping when idle
 */
record BusTuning(
    Duration retryInterval,
    Duration recentWindow,
    int maxRecent,
    Duration ownFillTtl,
    int maxOwnFills,
    long maxRetainedBytes,
    long maxQueuedFillBytes,
    Duration tick) {

  static final BusTuning DEFAULTS = new BusTuning(
      Duration.ofSeconds(2), Duration.ofSeconds(10), 4096, Duration.ofSeconds(30), 10_000,
      64L << 20, 64L << 20, Duration.ofMillis(200));

  BusTuning {
    if (retryInterval.isNegative() || retryInterval.isZero() || tick.isNegative() || tick.isZero()
        || recentWindow.isNegative() || ownFillTtl.isNegative() || maxRecent < 0 || maxOwnFills < 1
        || maxRetainedBytes < 0 || maxQueuedFillBytes < 1) {
      throw new IllegalArgumentException("bus tuning: intervals must be positive, bounds non-negative");
    }
  }
}
