package dev.outpost.cache;

/** Where a {@link CacheBus} delivers events: implemented by {@link QueryCache}. */
@FunctionalInterface
public interface CacheEventSink {

  /**
   * Applies one delivered event. {@code sequence} is the event's position in the bus's total
   * order: strictly increasing across all deliveries to this sink for its whole life, and equal on
   * every node of a region for the same event. Callers deliver one event at a time.
   */
  void deliver(long sequence, CacheEvent event);
}
