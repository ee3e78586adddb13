package dev.outpost.cache.store;

import dev.outpost.cache.CacheStatus;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** The cache's counters: contention-free adders, read only for snapshots. */
final class CacheCounters {

  private final EnumMap<CacheStatus, LongAdder> statuses = new EnumMap<>(CacheStatus.class);
  final LongAdder evictions = new LongAdder();
  final LongAdder fillsStored = new LongAdder();
  final LongAdder fillsDropped = new LongAdder();
  final LongAdder invalidations = new LongAdder();
  final LongAdder flushes = new LongAdder();
  final LongAdder publishFailures = new LongAdder();

  CacheCounters() {
    for (CacheStatus s : CacheStatus.values()) {
      statuses.put(s, new LongAdder());
    }
  }

  void record(CacheStatus status) {
    statuses.get(status).increment();
  }

  Map<CacheStatus, Long> statusSnapshot() {
    EnumMap<CacheStatus, Long> out = new EnumMap<>(CacheStatus.class);
    statuses.forEach((s, n) -> out.put(s, n.sum()));
    return out;
  }
}
