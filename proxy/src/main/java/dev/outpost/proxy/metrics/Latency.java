package dev.outpost.proxy.metrics;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A latency histogram read at one moment: how many requests, their total and largest time, and
 * how many took at most each bucket bound — the numbers {@code outpost_query_duration_seconds}
 * exposes. Percentiles are estimated from the buckets the way Prometheus' {@code
 * histogram_quantile} does (linear inside a bucket), so the admin console and a dashboard agree.
 * Immutable.
 */
public final class Latency {
  /** Bucket bounds in seconds: 1-2-5 steps from 50 µs (a cache hit) to 60 s (a slow miss over a WAN). */
  static final double[] BOUNDS = {0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
      0.2, 0.5, 1, 2, 5, 10, 20, 60};

  /** No requests. */
  public static final Latency EMPTY = new Latency(0, 0, 0, new long[BOUNDS.length]);

  private final long count;
  private final double sumSeconds;
  private final double maxSeconds;
  private final long[] cumulative;

  Latency(long count, double sumSeconds, double maxSeconds, long[] cumulative) {
    if (cumulative.length != BOUNDS.length) {
      throw new IllegalArgumentException("expected " + BOUNDS.length + " buckets, got " + cumulative.length);
    }
    this.count = count;
    this.sumSeconds = sumSeconds;
    this.maxSeconds = maxSeconds;
    this.cumulative = cumulative.clone();
  }

  /** The bucket bounds, for documentation and tests. */
  public static List<Duration> bucketBounds() {
    return Arrays.stream(BOUNDS).mapToObj(s -> Duration.ofNanos(Math.round(s * 1e9))).toList();
  }

  static Duration[] boundsAsDurations() {
    return bucketBounds().toArray(Duration[]::new);
  }

  public long count() {
    return count;
  }

  public double sumSeconds() {
    return sumSeconds;
  }

  /** The largest time recorded recently (Micrometer decays it over a few minutes). */
  public double maxSeconds() {
    return maxSeconds;
  }

  /** Mean time in seconds, 0 without requests. */
  public double meanSeconds() {
    return count == 0 ? 0 : sumSeconds / count;
  }

  /**
   * The estimated {@code q}-quantile in seconds (0 without requests). Beyond the last bound the
   * last bound is returned, as Prometheus does.
   */
  public double quantileSeconds(double q) {
    if (q < 0 || q > 1) {
      throw new IllegalArgumentException("quantile must be within 0..1: " + q);
    }
    if (count == 0) {
      return 0;
    }
    double rank = q * count;
    long below = 0;
    double lower = 0;
    for (int i = 0; i < BOUNDS.length; i++) {
      long inBucket = cumulative[i] - below;
      if (cumulative[i] >= rank && inBucket > 0) {
        return lower + (BOUNDS[i] - lower) * (rank - below) / inBucket;
      }
      below = cumulative[i];
      lower = BOUNDS[i];
    }
    return BOUNDS[BOUNDS.length - 1];
  }

  /** Requests that took at most {@link #bucketBounds()}{@code .get(i)}. */
  public long cumulativeCount(int bucket) {
    return cumulative[bucket];
  }

  /** The histogram of both sets of requests (e.g. all statuses of a database). */
  public Latency plus(Latency other) {
    long[] sum = new long[BOUNDS.length];
    for (int i = 0; i < sum.length; i++) {
      sum[i] = cumulative[i] + other.cumulative[i];
    }
    return new Latency(count + other.count, sumSeconds + other.sumSeconds, Math.max(maxSeconds, other.maxSeconds),
        sum);
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "Latency[count=%d, mean=%.6fs, p50=%.6fs, p95=%.6fs, p99=%.6fs]",
        count, meanSeconds(), quantileSeconds(0.5), quantileSeconds(0.95), quantileSeconds(0.99));
  }
}
