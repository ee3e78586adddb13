package dev.outpost.cache;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * A point-in-time snapshot of a {@link QueryCache}'s counters; immutable.
 *
 * @param statuses queries recorded per status (every status present, zero if never recorded)
 * @param entries entries currently stored (estimate, as Caffeine reports it)
 * @param bytes weighted size currently stored, in bytes; never above the configured maximum once
 *     maintenance has run
 * @param evictions entries evicted to respect the byte bound
 * @param fillsStored fills applied to the store
 * @param fillsDropped fills dropped at delivery because a dependency was invalidated after the
 *     fill's query was sent (the consistency rule of DESIGN §6.6), or because they had expired
 * @param invalidations invalidation events applied (own early applications not counted twice)
 * @param flushes flushes applied
 * @param publishFailures events the bus failed to take (the query still succeeded)
 * @param deliveredSequence the highest bus sequence number delivered to this cache
 */
public record CacheStats(
    Map<CacheStatus, Long> statuses,
    long entries,
    long bytes,
    long evictions,
    long fillsStored,
    long fillsDropped,
    long invalidations,
    long flushes,
    long publishFailures,
    long deliveredSequence) {

  /** Copies the status map, filling in zeros, and rejects negative counters. */
  public CacheStats {
    Objects.requireNonNull(statuses, "statuses");
    EnumMap<CacheStatus, Long> copy = new EnumMap<>(CacheStatus.class);
    for (CacheStatus s : CacheStatus.all()) {
      long v = statuses.getOrDefault(s, 0L);
      if (v < 0) {
        throw new IllegalArgumentException("negative count for " + s);
      }
      copy.put(s, v);
    }
    statuses = java.util.Collections.unmodifiableMap(copy);
    if (entries < 0 || bytes < 0 || evictions < 0 || fillsStored < 0 || fillsDropped < 0
        || invalidations < 0 || flushes < 0 || publishFailures < 0) {
      throw new IllegalArgumentException("negative counter");
    }
  }

  /** Queries recorded with {@code status}. */
  public long count(CacheStatus status) {
    return statuses.get(status);
  }
}
