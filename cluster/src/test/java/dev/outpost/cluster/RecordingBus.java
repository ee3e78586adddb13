package dev.outpost.cluster;

import dev.outpost.cache.CacheBus;
import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheEventSink;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * Sits between a cache and its cluster bus and watches what the bus delivers: records any sequence
 * number that is not above the previous one (the bus contract forbids it) and lets a test observe
 * each applied event after the cache has applied it.
 */
final class RecordingBus implements CacheBus {

  private final CacheBus inner;
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private volatile BiConsumer<Long, CacheEvent> afterApply = (s, e) -> {};
  private long last = Long.MIN_VALUE; // deliveries are one at a time (bus contract)

  RecordingBus(CacheBus inner) {
    this.inner = inner;
  }

  @Override
  public void bind(CacheEventSink sink) {
    inner.bind((sequence, event) -> {
      if (sequence <= last) {
        violations.add(SequenceSpace.format(sequence) + " after " + SequenceSpace.format(last) + " (" + event + ")");
      }
      last = Math.max(last, sequence);
      sink.deliver(sequence, event);
      afterApply.accept(sequence, event);
    });
  }

  @Override
  public void publish(CacheEvent event) {
    inner.publish(event);
  }

  @Override
  public CompletableFuture<Void> publishDelivered(CacheEvent.Invalidation invalidation) {
    return inner.publishDelivered(invalidation);
  }

  void afterApply(BiConsumer<Long, CacheEvent> observer) {
    this.afterApply = observer;
  }

  /** Deliveries whose sequence was not above the previous one. */
  List<String> violations() {
    return violations;
  }
}
