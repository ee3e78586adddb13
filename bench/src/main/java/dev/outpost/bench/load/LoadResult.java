package dev.outpost.bench.load;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What one endpoint did under one load: latencies (nanoseconds, HdrHistogram, 3 significant
 * digits), overall and per operation kind, and the counts behind throughput. Warm-up is not in it.
 *
 * @param mode how the load was driven ({@link LoadSpec#describe()})
 * @param latency every successful measured operation
 * @param byKind the same operations split by the kind the worker reported
 * @param ops successful measured operations
 * @param errors measured operations that failed (not in the histograms)
 * @param lateStarts open loop only: operations that could not even start before the hard stop;
 *     recorded with their wait so far, a lower bound of their latency
 * @param elapsedNanos from the start of measurement until the last measured operation ended
 * @param firstError the first failure, or null
 * @param aborted true when the phase stopped early because nearly every operation failed
 */
public record LoadResult(String mode, Histogram latency, Map<String, Histogram> byKind, long ops, long errors,
    long lateStarts, long elapsedNanos, String firstError, boolean aborted) {

  public LoadResult {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(latency, "latency");
    byKind = Collections.unmodifiableMap(new TreeMap<>(byKind));
  }

  /** Completed operations per second of measured time. */
  public double opsPerSecond() {
    return elapsedNanos <= 0 ? 0 : ops * 1e9 / elapsedNanos;
  }

  /** The latency at {@code percentile} (0..100) in milliseconds. */
  public double millisAt(double percentile) {
    return latency.getValueAtPercentile(percentile) / 1e6;
  }

  public double meanMillis() {
    return latency.getMean() / 1e6;
  }

  public double maxMillis() {
    return latency.getMaxValue() / 1e6;
  }

  /** This result and a later round of the same endpoint and load, as one. */
  public LoadResult plus(LoadResult later) {
    Histogram total = latency.copy();
    total.add(later.latency);
    Map<String, Histogram> kinds = new TreeMap<>();
    byKind.forEach((k, h) -> kinds.put(k, h.copy()));
    later.byKind.forEach((k, h) -> kinds.merge(k, h.copy(), (a, b) -> {
      a.add(b);
      return a;
    }));
    return new LoadResult(mode, total, kinds, ops + later.ops, errors + later.errors,
        lateStarts + later.lateStarts, elapsedNanos + later.elapsedNanos,
        firstError != null ? firstError : later.firstError, aborted || later.aborted);
  }
}
