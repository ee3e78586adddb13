package dev.outpost.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * How long an entry is fresh ({@code maxAge}) and for how long after that it may still be served
 * while one refresh runs ({@code staleWhileRevalidate}). The proxy resolves these from the node
 * defaults, the per-table rules and the query hint, and passes the result in with each fill.
 *
 * @param maxAge time from the entry's creation during which it is served as a HIT
 * @param staleWhileRevalidate further time during which it is served as STALE
 */
public record Freshness(Duration maxAge, Duration staleWhileRevalidate) {

  /** DESIGN §6.4 defaults: 60 s max-age, 15 s stale-while-revalidate. */
  public static final Freshness DEFAULT = new Freshness(Duration.ofSeconds(60), Duration.ofSeconds(15));

  /** Rejects nulls and negative durations. */
  public Freshness {
    Objects.requireNonNull(maxAge, "maxAge");
    Objects.requireNonNull(staleWhileRevalidate, "staleWhileRevalidate");
    if (maxAge.isNegative() || staleWhileRevalidate.isNegative()) {
      throw new IllegalArgumentException("negative freshness: " + maxAge + "/" + staleWhileRevalidate);
    }
  }

  /** {@code maxAge} in nanoseconds, saturating at {@link Long#MAX_VALUE}. */
  public long maxAgeNanos() {
    return saturatedNanos(maxAge);
  }

  /** {@code maxAge + staleWhileRevalidate} in nanoseconds, saturating. */
  public long lifetimeNanos() {
    long total = maxAgeNanos() + saturatedNanos(staleWhileRevalidate);
    return total < 0 ? Long.MAX_VALUE : total;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException overflow) {
      return Long.MAX_VALUE;
    }
  }
}
