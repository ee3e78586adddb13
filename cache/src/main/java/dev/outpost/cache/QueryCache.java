package dev.outpost.cache;

import dev.outpost.cache.sql.TableRef;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/**
 * The query-result cache the proxy uses (DESIGN §6.2–§6.6). Thread-safe. Built by {@code
 * dev.outpost.cache.store.QueryCacheBuilder}.
 *
 * <p>The read path: {@link #lookup} → HIT/STALE (serve) or MISS → {@link #begin} → the leader
 * fetches and {@link FillTicket.Leader#complete completes}, followers wait. Results are stored
 * only when their fill is delivered back by the {@link CacheBus}, and only if no dependency was
 * invalidated after the leader's query was sent.
 *
 * <p>The write path: after a write commits, {@link #invalidate} (or {@link #invalidateAll}) —
 * applied locally before it returns, so the writer's next query can never be served what its own
 * write made stale (read-your-writes), then published so every node applies it in order.
 *
 * <p>Guarantees: no look-up ever returns an entry one of whose dependencies was invalidated (by
 * this node, or by an invalidation delivered here) after the entry's query was sent; the stored
 * bytes stay within the configured maximum; entries over the maximum entry size are refused.
 */
public interface QueryCache extends CacheEventSink {

  /** Looks a key up: HIT, STALE (with at most one refresh ticket per key) or MISS. */
  Lookup lookup(CacheKey key);

  /**
   * Joins or starts the single flight for {@code key}: of any number of concurrent callers,
   * exactly one gets a {@link FillTicket.Leader}. A flight older than the configured maximum
   * flight time is abandoned and a new leader chosen; an invalidation in the key's database
   * detaches in-flight fills so that later callers do not wait for a result that may predate it.
   */
  FillTicket begin(CacheKey key);

  /**
   * A write that touched these relations committed: removes every entry of {@code database} that
   * depends on one of them (by bare name, see {@link Dependencies}) or on everything, before
   * returning; makes fills in flight for them be dropped; and publishes the invalidation.
   *
   * @return completes when the bus delivered the invalidation in its order (see {@link
   *     CacheBus#publishDelivered}); queries ignore it, the change feed waits for it before it
   *     confirms the origin commit
   */
  CompletableFuture<Void> invalidate(String database, Collection<TableRef> tables);

  /** Like {@link #invalidate} for every relation of {@code database}: removes all its entries. */
  CompletableFuture<Void> invalidateAll(String database);

  /**
   * Like {@link #invalidateAll}, for a change of {@code database}'s schema (DDL): on every node
   * the invalidation reaches, the cache's {@link SchemaListener} hears of it too, so that facts
   * read from the catalog are read again.
   */
  CompletableFuture<Void> invalidateSchema(String database);

  /**
   * Drops every entry and detaches every flight, on this node only (after a partition merge);
   * fills whose query was sent before the flush are dropped. For a cluster-wide flush publish a
   * {@link CacheEvent.Flush} through the bus.
   */
  void flush();

  /**
   * Changes the byte bound and the largest entry accepted (a configuration reload); a smaller bound
   * evicts down to it.
   */
  void limits(long maxBytes, long maxEntrySize);

  /** The tables most cached entries depend on, most first (for the admin console). */
  java.util.List<TableUsage> topTables(int limit);

  /** Records the one status of a query, for metrics. */
  void record(CacheStatus status);

  /** A snapshot of the counters. */
  CacheStats stats();

  /** The highest bus sequence delivered here. */
  long deliveredSequence();

  /** This node's identity on the bus. */
  String nodeId();
}
