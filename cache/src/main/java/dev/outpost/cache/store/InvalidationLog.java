package dev.outpost.cache.store;

import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.Dependencies;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The consistency state of DESIGN §6.6: for each (database, relation) the bus sequence at which it
 * was last invalidated, the same per database for "anything" and "everything", a flush floor, and
 * this node's own invalidations applied early but not yet delivered back.
 *
 * <p>The rule ({@link #admits}): a fill whose query was sent when the node had delivered sequence
 * {@code S} is dropped if a dependency was invalidated at a sequence greater than {@code S} — an
 * invalidation delivered at {@code M} was published after its write committed, and a node that
 * had delivered {@code M} before sending the query read committed data — or if one of this
 * node's own pending invalidations touches it, or if a flush happened after {@code S}. Every node
 * applies the sequence part identically; the pending part only ever drops more.
 *
 * <p>Not thread-safe: the cache guards it with its consistency lock.
 */
final class InvalidationLog {

  private final Map<IndexKey, Long> marks = new HashMap<>();
  private final Map<Long, CacheEvent.Invalidation> pending = new LinkedHashMap<>();
  private long floor;

  /** An invalidation delivered at {@code sequence}. */
  void delivered(long sequence, CacheEvent.Invalidation inv) {
    String db = inv.database();
    if (inv.allTables()) {
      raise(IndexKey.anyEntry(db), sequence);
    } else {
      for (String t : inv.tables()) {
        raise(IndexKey.table(db, t), sequence);
      }
    }
    raise(IndexKey.allDependent(db), sequence);
  }

  /** One of this node's invalidations, applied before its delivery. */
  void addPending(CacheEvent.Invalidation inv) {
    pending.put(inv.id(), inv);
  }

  /** This node's invalidation {@code id} came back from the bus: the sequence rule covers it now. */
  void removePending(long id) {
    pending.remove(id);
  }

  int pendingCount() {
    return pending.size();
  }

  /**
   * Fills whose query was sent before {@code floorSequence} are dropped. This node's pending
   * invalidations stay until they come back: nodes flush at different moments (each when it
   * installs a new view), so another node may have flushed, then read a table before this node's
   * write committed, and its fill passes the floor; only the pending invalidation keeps it from the
   * writer's node.
   */
  void flush(long floorSequence) {
    floor = Math.max(floor, floorSequence);
  }

  boolean admits(String database, Dependencies deps, long sequenceAtStart) {
    if (sequenceAtStart < floor || sequenceAtStart < mark(IndexKey.anyEntry(database))) {
      return false;
    }
    if (deps.allTables()) {
      if (sequenceAtStart < mark(IndexKey.allDependent(database))) {
        return false;
      }
    } else {
      for (String t : deps.tables()) {
        if (sequenceAtStart < mark(IndexKey.table(database, t))) {
          return false;
        }
      }
    }
    for (CacheEvent.Invalidation p : pending.values()) {
      if (p.touches(database, deps)) {
        return false;
      }
    }
    return true;
  }

  private long mark(IndexKey k) {
    return marks.getOrDefault(k, Long.MIN_VALUE);
  }

  private void raise(IndexKey k, long sequence) {
    marks.merge(k, sequence, Math::max);
  }
}
