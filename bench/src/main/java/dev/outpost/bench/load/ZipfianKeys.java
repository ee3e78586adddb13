package dev.outpost.bench.load;

import java.util.SplittableRandom;

/**
 * Keys 1..n drawn from a Zipf distribution (key 1 the most popular), the access pattern of most
 * real read-heavy applications: a few rows are read all the time, most rarely.
 *
 * <p>The generator of Gray et al., "Quickly Generating Billion-Record Synthetic Databases"
 * (SIGMOD 1994), as YCSB uses it: O(n) set-up, O(1) per draw. Exponent {@code theta} in (0, 1);
 * 0.99 is YCSB's default. Immutable; the caller's random source makes the draws reproducible.
 */
public final class ZipfianKeys {
  private final long n;
  private final double theta;
  private final double alpha;
  private final double zetaN;
  private final double eta;
  private final double halfPowTheta;

  public ZipfianKeys(long n, double theta) {
    if (n < 1) {
      throw new IllegalArgumentException("need at least one key: " + n);
    }
    if (!(theta > 0 && theta < 1)) {
      throw new IllegalArgumentException("zipf exponent must be in (0, 1): " + theta);
    }
    this.n = n;
    this.theta = theta;
    this.alpha = 1 / (1 - theta);
    this.zetaN = zeta(n, theta);
    double zeta2 = zeta(2, theta);
    this.eta = (1 - Math.pow(2.0 / n, 1 - theta)) / (1 - zeta2 / zetaN);
    this.halfPowTheta = 1 + Math.pow(0.5, theta);
  }

  private static double zeta(long n, double theta) {
    double sum = 0;
    for (long i = 1; i <= n; i++) {
      sum += 1 / Math.pow(i, theta);
    }
    return sum;
  }

  /** A key in 1..n. */
  public long next(SplittableRandom random) {
    double u = random.nextDouble();
    double uz = u * zetaN;
    if (uz < 1) {
      return 1;
    }
    if (uz < halfPowTheta) {
      return Math.min(2, n);
    }
    long key = 1 + (long) (n * Math.pow(eta * u - eta + 1, alpha));
    return Math.min(Math.max(key, 1), n);
  }

  public long size() {
    return n;
  }

  public double exponent() {
    return theta;
  }
}
