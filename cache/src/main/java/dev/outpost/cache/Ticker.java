package dev.outpost.cache;

/**
 * A source of monotonic nanoseconds, injected everywhere the cache reads time so tests can drive
 * the clock. Values are only meaningful relative to each other on one node.
 */
@FunctionalInterface
public interface Ticker {

  /** Current time in nanoseconds on an arbitrary, monotonic origin. */
  long nanos();

  /** {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
