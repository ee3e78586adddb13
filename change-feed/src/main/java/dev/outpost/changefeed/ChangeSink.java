package dev.outpost.changefeed;

import java.util.concurrent.CompletableFuture;

/**
 * Receives the change feed's events, one per committed origin transaction that changed at least
 * one table, in commit order.
 *
 * <p>Contract: {@link #committed} is called on the feed's own thread and must return quickly (hand
 * the event to the cluster bus, do not wait for it). The returned future completes normally once
 * the invalidation has been delivered (e.g. sequenced into the region's total order); only then,
 * and only after every earlier event's future has completed too, does the feed confirm the
 * commit to the origin. A future that completes exceptionally, or a call that throws, makes the
 * feed reconnect and replay from the last confirmed commit.
 *
 * <p>Delivery is at least once: after a reconnect, a crash or a slot takeover, events after the
 * last confirmed commit are handed over again. Invalidation is idempotent, so a sink needs no
 * de-duplication.
 */
@FunctionalInterface
public interface ChangeSink {

  /**
   * Delivers one event.
   *
   * @return completes when the event's invalidation has been delivered; never null
   */
  CompletableFuture<Void> committed(ChangeEvent event);
}
