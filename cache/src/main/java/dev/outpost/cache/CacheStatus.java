package dev.outpost.cache;

/**
 * The one cache outcome of a query (DESIGN §6.1), used in metrics and the admin console. The
 * proxy records exactly one per query with {@link QueryCache#record(CacheStatus)}; the cache never
 * counts statuses on its own, so nothing is counted twice.
 */
public enum CacheStatus {
  /** Served from a fresh entry; the origin was not contacted. */
  HIT,
  /** Served from an entry inside its stale-while-revalidate window while one refresh runs. */
  STALE,
  /** Not in the cache (or expired): sent to the origin, or joined a single-flight fetch. */
  MISS,
  /** Caching was turned off for the query or session (hint or setting). */
  BYPASS,
  /** The client was inside an explicit transaction. */
  TRANSACTION,
  /** The statement writes (and may invalidate). */
  WRITE,
  /** The statement uses a volatile or stable function, a SQL value function or TABLESAMPLE. */
  VOLATILE,
  /** The text holds more than one statement. */
  MULTISTATEMENT,
  /**
   * Read-only but not cacheable for another reason (locking clause, cursor, error, suspended portal,
   * a request of another shape than one statement and its Sync, such as a pipeline, …).
   */
  UNCACHEABLE,
  /** The result was larger than the maximum entry size and was not stored. */
  OVERSIZED;

  private static final CacheStatus[] VALUES = values();

  /** All statuses, without the defensive copy of {@link #values()}. */
  static CacheStatus[] all() {
    return VALUES;
  }
}
