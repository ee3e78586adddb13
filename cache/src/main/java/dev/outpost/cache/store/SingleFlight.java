package dev.outpost.cache.store;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CachedResult;
import dev.outpost.cache.FillAbandonedException;
import dev.outpost.cache.Ticker;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * In-flight origin fetches, at most one per key. A flight leaves the map when its leader finishes,
 * when it outlives the maximum flight time (a leader that never finished), or when an
 * invalidation detaches it — callers arriving after that start a new flight rather than wait for
 * a result that may predate the invalidation. Followers already waiting keep their flight.
 */
final class SingleFlight {

  /** One fetch: its start and the sequence delivered then, and the future followers copy. */
  static final class Flight {
    final CacheKey key;
    final long startedAtNanos;
    final long sequenceAtStart;
    final CompletableFuture<CachedResult> future = new CompletableFuture<>();

    Flight(CacheKey key, long startedAtNanos, long sequenceAtStart) {
      this.key = key;
      this.startedAtNanos = startedAtNanos;
      this.sequenceAtStart = sequenceAtStart;
    }

    void abandon(String reason) {
      future.completeExceptionally(new FillAbandonedException(reason));
    }
  }

  /** The caller's role: {@code leading} true if it must fetch. */
  record Joined(Flight flight, boolean leading) {}

  private final ConcurrentHashMap<CacheKey, Flight> flights = new ConcurrentHashMap<>();
  private final Ticker ticker;
  private final long maxFlightNanos;
  private final LongSupplier deliveredSequence;

  SingleFlight(Ticker ticker, long maxFlightNanos, LongSupplier deliveredSequence) {
    this.ticker = ticker;
    this.maxFlightNanos = maxFlightNanos;
    this.deliveredSequence = deliveredSequence;
  }

  /** Joins the key's flight, or starts it: exactly one of any set of concurrent callers leads. */
  Joined join(CacheKey key) {
    while (true) {
      Flight existing = flights.get(key);
      if (existing != null) {
        if (!expired(existing)) {
          return new Joined(existing, false);
        }
        if (flights.remove(key, existing)) {
          existing.abandon("single-flight leader did not finish within the maximum flight time");
        }
        continue;
      }
      Flight mine = new Flight(key, ticker.nanos(), deliveredSequence.getAsLong());
      if (flights.putIfAbsent(key, mine) == null) {
        return new Joined(mine, true);
      }
    }
  }

  /** Starts a flight only if none is running: the one refresh of a stale entry. */
  Optional<Flight> tryLead(CacheKey key) {
    Flight existing = flights.get(key);
    if (existing != null && expired(existing) && flights.remove(key, existing)) {
      existing.abandon("single-flight leader did not finish within the maximum flight time");
    }
    Flight mine = new Flight(key, ticker.nanos(), deliveredSequence.getAsLong());
    return flights.putIfAbsent(key, mine) == null ? Optional.of(mine) : Optional.empty();
  }

  /** The leader finished: later callers start afresh. No-op if the flight was detached already. */
  void finish(Flight flight) {
    flights.remove(flight.key, flight);
  }

  /** Detaches the flights of one database (an invalidation there). */
  void detach(String database) {
    flights.values().removeIf(f -> f.key.database().equals(database));
  }

  /** Detaches every flight (a flush). */
  void detachAll() {
    flights.clear();
  }

  int size() {
    return flights.size();
  }

  private boolean expired(Flight f) {
    return ticker.nanos() - f.startedAtNanos > maxFlightNanos;
  }
}
