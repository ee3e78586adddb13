package dev.outpost.cache.store;

import dev.outpost.cache.Dependencies;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which stored entries an invalidation must remove, without scanning the cache: every entry is
 * indexed under its database, and under each dependency or, for unknown dependencies, under
 * "depends on everything".
 *
 * <p>Invariant (kept by the cache): every entry present in the map is indexed under all its slots
 * — entries are added here before they are put, and removed (by identity) only when Caffeine
 * reports their removal. The index may briefly hold entries already gone; removing those is a
 * no-op.
 */
final class DependencyIndex {

  private final ConcurrentHashMap<IndexKey, Set<StoredEntry>> slots = new ConcurrentHashMap<>();

  void add(StoredEntry e) {
    for (IndexKey k : e.slots) {
      slots.computeIfAbsent(k, x -> ConcurrentHashMap.newKeySet()).add(e);
    }
  }

  void remove(StoredEntry e) {
    for (IndexKey k : e.slots) {
      Set<StoredEntry> set = slots.get(k);
      if (set != null) {
        set.remove(e);
      }
    }
  }

  /** The tables with the most dependent entries, most first. */
  List<dev.outpost.cache.TableUsage> topTables(int limit) {
    List<dev.outpost.cache.TableUsage> all = new ArrayList<>();
    slots.forEach((k, set) -> {
      if (k.kind() == IndexKey.Kind.TABLE && !set.isEmpty()) {
        all.add(new dev.outpost.cache.TableUsage(k.database(), k.table(), set.size()));
      }
    });
    all.sort(java.util.Comparator.comparingLong(dev.outpost.cache.TableUsage::entries).reversed()
        .thenComparing(dev.outpost.cache.TableUsage::table));
    return all.size() > limit ? new ArrayList<>(all.subList(0, limit)) : all;
  }

  /** A copy of the entries indexed under {@code k}. */
  List<StoredEntry> snapshot(IndexKey k) {
    Set<StoredEntry> set = slots.get(k);
    return set == null ? List.of() : new ArrayList<>(set);
  }

  /** The slots an entry of {@code database} with {@code deps} is indexed under (computed once per entry). */
  static IndexKey[] slotsOf(String database, Dependencies deps) {
    List<IndexKey> keys = new ArrayList<>(deps.tables().size() + 2);
    keys.add(IndexKey.anyEntry(database));
    if (deps.allTables()) {
      keys.add(IndexKey.allDependent(database));
    } else {
      for (String t : deps.tables()) {
        keys.add(IndexKey.table(database, t));
      }
    }
    return keys.toArray(new IndexKey[0]);
  }
}
