package dev.outpost.cache;

import java.util.concurrent.CompletableFuture;

/**
 * The ordering service between caches (DESIGN §6.6): a single node uses the synchronous
 * {@code dev.outpost.cache.store.LocalCacheBus}; the cluster module backs it with JGroups total
 * order without changing this contract.
 *
 * <p>Contract for implementations:
 *
 * <ul>
 *   <li>Every published event is delivered to the local sink exactly once — including fills the
 *       bus chooses not to replicate (e.g. larger than {@code cluster.max-fill-size}) — and every
 *       replicated event to every other node's sink, all in one total order.
 *   <li>Sequence numbers handed to a sink are strictly increasing for the sink's lifetime (a bus
 *       that restarts its numbering, e.g. after a merge, must offset it) and equal for the same
 *       event on every node of a region.
 *   <li>Delivery is one event at a time per sink. {@link #publish} may deliver synchronously or
 *       later; it must not throw for transport trouble (drop and count instead: a cache or cluster
 *       failure never fails a query).
 * </ul>
 */
public interface CacheBus {

  /** Registers the sink events are delivered to; called once, by the cache being built. */
  void bind(CacheEventSink sink);

  /** Publishes an event for ordered delivery. */
  void publish(CacheEvent event);

  /**
   * Publishes an invalidation like {@link #publish} and tells when it is safe to forget: the
   * future completes once the invalidation has been delivered back to this node's sink at its
   * place in the total order — which, for a clustered bus, means the region's sequencer numbered
   * it for every member (a member that misses it flushes at the next term). The change feed
   * confirms an origin commit only then. The future completes exceptionally only when the event
   * could not even be queued; it may stay incomplete while the region has no sequencer.
   */
  CompletableFuture<Void> publishDelivered(CacheEvent.Invalidation invalidation);
}
