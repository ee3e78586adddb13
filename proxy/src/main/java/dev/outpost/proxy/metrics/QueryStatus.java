package dev.outpost.proxy.metrics;

import dev.outpost.cache.CacheStatus;
import java.util.Locale;

/**
 * The label of a query in {@code outpost_queries_total} and {@code outpost_query_duration_seconds}:
 * its cache status (DESIGN §6.1), or {@link #PASSTHROUGH} for a request that is not a statement
 * the cache looked at (a COPY sub-protocol exchange, a function call, an extended-protocol batch
 * without Execute).
 */
public enum QueryStatus {
  HIT, STALE, MISS, BYPASS, TRANSACTION, WRITE, VOLATILE, MULTISTATEMENT, UNCACHEABLE, OVERSIZED, PASSTHROUGH;

  private static final QueryStatus[] VALUES = values();
  private static final QueryStatus[] BY_CACHE_STATUS = byCacheStatus();

  private final String label = name().toLowerCase(Locale.ROOT);

  private static QueryStatus[] byCacheStatus() {
    CacheStatus[] all = CacheStatus.values();
    QueryStatus[] out = new QueryStatus[all.length];
    for (CacheStatus s : all) {
      // Fails the class's initialization (and every metrics test) if the cache grows a status
      // that has no label here, instead of counting it under another.
      out[s.ordinal()] = valueOf(s.name());
    }
    return out;
  }

  /** The label of a cache status. */
  public static QueryStatus of(CacheStatus status) {
    return BY_CACHE_STATUS[status.ordinal()];
  }

  static QueryStatus[] all() {
    return VALUES;
  }

  /** The Prometheus label value: hit, stale, miss, …, passthrough. */
  public String label() {
    return label;
  }
}
