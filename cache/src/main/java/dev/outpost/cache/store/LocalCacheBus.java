package dev.outpost.cache.store;

import dev.outpost.cache.CacheBus;
import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheEventSink;
import java.util.concurrent.CompletableFuture;

/**
 * The single-node {@link CacheBus}: delivers each event to the bound cache synchronously, inside
 * {@link #publish}, numbered 1, 2, 3, … in call order. Publishing threads are serialized, so the
 * delivery order is the sequence order.
 */
public final class LocalCacheBus implements CacheBus {

  private final Object lock = new Object();
  private CacheEventSink sink;
  private long sequence;

  @Override
  public void bind(CacheEventSink target) {
    synchronized (lock) {
      if (sink != null) {
        throw new IllegalStateException("LocalCacheBus is already bound to a cache");
      }
      sink = target;
    }
  }

  /** Delivery is synchronous here: the future is complete when this returns. */
  @Override
  public CompletableFuture<Void> publishDelivered(CacheEvent.Invalidation invalidation) {
    publish(invalidation);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void publish(CacheEvent event) {
    synchronized (lock) {
      if (sink == null) {
        throw new IllegalStateException("LocalCacheBus is not bound to a cache");
      }
      sink.deliver(++sequence, event);
    }
  }
}
