package dev.outpost.cache.store;

import dev.outpost.cache.CacheBus;
import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheEventSink;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A stand-in for a total-order cluster bus: every member's publications go to one queue, and the
 * test decides when the next event is delivered — to every member, with the same sequence number.
 * This is how a JGroups-backed bus must behave, minus the network.
 */
final class SequencedTestBus {

  private final Deque<CacheEvent> queue = new ArrayDeque<>();
  private final List<CacheEventSink> sinks = new ArrayList<>();
  private final Map<CacheEvent, CompletableFuture<Void>> waiting = new IdentityHashMap<>();
  private long sequence;

  /** A bus for one more node. */
  CacheBus member() {
    return new CacheBus() {
      @Override
      public void bind(CacheEventSink sink) {
        sinks.add(sink);
      }

      @Override
      public void publish(CacheEvent event) {
        queue.addLast(event);
      }

      @Override
      public CompletableFuture<Void> publishDelivered(CacheEvent.Invalidation invalidation) {
        CompletableFuture<Void> delivered = new CompletableFuture<>();
        waiting.put(invalidation, delivered);
        queue.addLast(invalidation);
        return delivered;
      }
    };
  }

  int queued() {
    return queue.size();
  }

  /** Delivers the oldest queued event to every member. */
  void deliverNext() {
    CacheEvent e = queue.removeFirst();
    long seq = ++sequence;
    for (CacheEventSink s : sinks) {
      s.deliver(seq, e);
    }
    CompletableFuture<Void> delivered = waiting.remove(e);
    if (delivered != null) {
      delivered.complete(null);
    }
  }

  void deliverAll() {
    while (!queue.isEmpty()) {
      deliverNext();
    }
  }
}
