package dev.outpost.bench.load;

import java.time.Duration;
import java.util.Objects;

/**
 * How one load phase is driven. Both the warm-up and the measurement stop at whichever comes
 * first, their time or their operation count, so every loop is bounded in both.
 *
 * @param clients concurrent workers
 * @param warmup how long to run before recording (not recorded)
 * @param warmupOps at most this many warm-up operations
 * @param duration how long to record
 * @param maxOps at most this many recorded operations
 * @param ratePerSecond 0 for a closed loop (each worker starts its next operation when the last
 *     one ends); otherwise an open loop at this total rate, where latency is measured from each
 *     operation's scheduled start so that a stall is charged to every operation it delayed
 *     (coordinated omission)
 */
public record LoadSpec(int clients, Duration warmup, long warmupOps, Duration duration, long maxOps,
    double ratePerSecond) {

  public LoadSpec {
    if (clients < 1) {
      throw new IllegalArgumentException("clients must be positive: " + clients);
    }
    Objects.requireNonNull(warmup, "warmup");
    Objects.requireNonNull(duration, "duration");
    if (warmup.isNegative() || duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("need warmup >= 0 and duration > 0: " + warmup + ", " + duration);
    }
    if (warmupOps < 0 || maxOps < 1) {
      throw new IllegalArgumentException("need warmupOps >= 0 and maxOps >= 1: " + warmupOps + ", " + maxOps);
    }
    if (ratePerSecond < 0 || Double.isNaN(ratePerSecond) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("rate must be 0 (closed loop) or positive: " + ratePerSecond);
    }
  }

  public static LoadSpec closedLoop(int clients, Duration warmup, Duration duration, long maxOps) {
    return new LoadSpec(clients, warmup, Long.MAX_VALUE, duration, maxOps, 0);
  }

  public boolean openLoop() {
    return ratePerSecond > 0;
  }

  public LoadSpec withClients(int n) {
    return new LoadSpec(n, warmup, warmupOps, duration, maxOps, ratePerSecond);
  }

  public LoadSpec withWarmup(Duration time, long ops) {
    return new LoadSpec(clients, time, ops, duration, maxOps, ratePerSecond);
  }

  public LoadSpec withMeasurement(Duration time, long ops) {
    return new LoadSpec(clients, warmup, warmupOps, time, ops, ratePerSecond);
  }

  /** "closed loop, 8 clients" or "open loop at 200 ops/s, 16 clients". */
  public String describe() {
    String who = clients + (clients == 1 ? " client" : " clients");
    return openLoop() ? "open loop at " + trim(ratePerSecond) + " ops/s, " + who : "closed loop, " + who;
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
