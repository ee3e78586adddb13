package dev.outpost.cache.store;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.CachedResult;
import dev.outpost.cache.FillTicket;
import java.util.concurrent.atomic.AtomicBoolean;

/** The leader's side of a flight; finishing twice is ignored (try/finally friendly). */
final class FlightLeader implements FillTicket.Leader {

  private final DefaultQueryCache cache;
  private final SingleFlight.Flight flight;
  private final AtomicBoolean finished = new AtomicBoolean();

  FlightLeader(DefaultQueryCache cache, SingleFlight.Flight flight) {
    this.cache = cache;
    this.flight = flight;
  }

  @Override
  public CacheKey key() {
    return flight.key;
  }

  @Override
  public long sequenceAtStart() {
    return flight.sequenceAtStart;
  }

  @Override
  public long startedAtNanos() {
    return flight.startedAtNanos;
  }

  /** After the ticket was finished this is ignored and returns MISS (nothing is stored). */
  @Override
  public CacheStatus complete(CachedResult result) {
    if (!finished.compareAndSet(false, true)) {
      return CacheStatus.MISS;
    }
    return cache.completeFlight(flight, result);
  }

  @Override
  public void abandon() {
    if (finished.compareAndSet(false, true)) {
      cache.abandonFlight(flight);
    }
  }

  @Override
  public String toString() {
    return "Leader[" + flight.key + ", seq=" + flight.sequenceAtStart + "]";
  }
}
