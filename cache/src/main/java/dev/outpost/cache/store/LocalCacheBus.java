package dev.outpost.cache.store;

import dev.outpost.cache.CacheBus;
import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheEventSink;

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
