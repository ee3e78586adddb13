package dev.outpost.wan;

import java.time.Duration;
import java.util.Objects;

/**
 * The latency that one direction of an emulated link adds to every chunk of bytes: a fixed
 * {@code delay} plus a uniformly distributed extra in {@code [0, jitter]}.
 *
 * <p>Jitter only ever adds to the delay, so {@code delay} is a guaranteed lower bound for every
 * byte, and it never reorders bytes: a chunk is released no earlier than the chunk before it.
 *
 * @param delay the one-way delay every chunk gets, zero or positive
 * @param jitter the upper bound of the uniform random extra delay, zero or positive
 */
public record OneWayLatency(Duration delay, Duration jitter) {

  /** No delay and no jitter: a plain relay. */
  public static final OneWayLatency NONE = new OneWayLatency(Duration.ZERO, Duration.ZERO);

  public OneWayLatency {
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(jitter, "jitter");
    if (delay.isNegative() || jitter.isNegative()) {
      throw new IllegalArgumentException("delay and jitter must not be negative: " + delay + ", " + jitter);
    }
  }

  /** A fixed delay without jitter. */
  public static OneWayLatency of(Duration delay) {
    return new OneWayLatency(delay, Duration.ZERO);
  }

  long delayNanos() {
    return delay.toNanos();
  }

  long jitterNanos() {
    return jitter.toNanos();
  }

  @Override
  public String toString() {
    return jitter.isZero() ? millis(delay) : millis(delay) + " + jitter 0.." + millis(jitter);
  }

  private static String millis(Duration d) {
    long micros = d.toNanos() / 1_000;
    return micros % 1_000 == 0 ? (micros / 1_000) + "ms" : String.format(java.util.Locale.ROOT, "%.3fms", micros / 1_000.0);
  }
}
