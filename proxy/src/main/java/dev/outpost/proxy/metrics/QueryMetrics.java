package dev.outpost.proxy.metrics;

import dev.outpost.cache.CacheStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.concurrent.TimeUnit;

/**
 * The query counters and latency histograms of one database, one of each per {@link QueryStatus}.
 * Get it once per session from {@link Metrics#database(String)} and keep it: recording is then an
 * array index and the timer's update, with no look-up by tag strings on the hot path (the query
 * counter reads the timer's count: one update per query, not two).
 *
 * <p>Thread-safe; all meters exist from creation on, so every status is exported (at 0) before
 * its first query and Prometheus' {@code rate()} sees the first increment.
 */
public final class QueryMetrics {
  private final String database;
  private final FunctionCounter[] counters;
  private final Timer[] timers;

  QueryMetrics(MeterRegistry registry, String database) {
    this.database = database;
    QueryStatus[] all = QueryStatus.all();
    counters = new FunctionCounter[all.length];
    timers = new Timer[all.length];
    for (QueryStatus s : all) {
      Timer timer = Timer.builder("outpost.query.duration")
          .description("Time from a query's arrival to its last response message, by database and cache status")
          .tags("database", database, "status", s.label())
          .serviceLevelObjectives(Latency.boundsAsDurations())
          .register(registry);
      timers[s.ordinal()] = timer;
      counters[s.ordinal()] = FunctionCounter.builder("outpost.queries", timer, Timer::count)
          .description("Queries by database and cache status (hit, stale, miss, bypass, …, passthrough)")
          .tags("database", database, "status", s.label())
          .register(registry);
    }
  }

  /** The database these meters are for. */
  public String database() {
    return database;
  }

  /** Counts one query with its cache status and its time in nanoseconds. */
  public void record(CacheStatus status, long nanos) {
    record(QueryStatus.of(status), nanos);
  }

  /** Counts one request that the cache did not classify (see {@link QueryStatus#PASSTHROUGH}). */
  public void recordPassthrough(long nanos) {
    record(QueryStatus.PASSTHROUGH, nanos);
  }

  /** Counts one query with a status label and its time in nanoseconds. */
  public void record(QueryStatus status, long nanos) {
    timers[status.ordinal()].record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }

  long count(QueryStatus status) {
    return (long) counters[status.ordinal()].count();
  }

  Latency latency(QueryStatus status) {
    HistogramSnapshot h = timers[status.ordinal()].takeSnapshot();
    CountAtBucket[] buckets = h.histogramCounts();
    long[] cumulative = new long[Latency.BOUNDS.length];
    for (int i = 0; i < cumulative.length && i < buckets.length; i++) {
      cumulative[i] = (long) buckets[i].count();
    }
    return new Latency(h.count(), h.total(TimeUnit.SECONDS), h.max(TimeUnit.SECONDS), cumulative);
  }

  void remove(MeterRegistry registry) {
    for (int i = 0; i < counters.length; i++) {
      registry.remove(counters[i]);
      registry.remove(timers[i]);
    }
  }
}
