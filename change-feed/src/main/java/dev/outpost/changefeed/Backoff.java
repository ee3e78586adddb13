package dev.outpost.changefeed;

import java.time.Duration;

/**
 * Capped exponential back-off between reconnect attempts: initial, 2×, 4× … up to the cap, and
 * back to initial after a success. Deterministic (no jitter): each region has its own slot, so
 * there is no herd to spread.
 */
final class Backoff {

  private final Duration initial;
  private final Duration max;
  private Duration next;
  private int attempts;

  Backoff(Duration initial, Duration max) {
    this.initial = initial;
    this.max = max;
    this.next = initial;
  }

  /** The pause before the next attempt; doubles the one after, up to the cap. */
  Duration next() {
    Duration d = next;
    attempts++;
    next = d.compareTo(max.dividedBy(2)) > 0 ? max : d.multipliedBy(2);
    return d;
  }

  /** Failed attempts since the last {@link #reset()}. */
  int attempts() {
    return attempts;
  }

  /** After a success. */
  void reset() {
    next = initial;
    attempts = 0;
  }
}
