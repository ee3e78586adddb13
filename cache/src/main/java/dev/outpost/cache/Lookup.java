package dev.outpost.cache;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer to {@link QueryCache#lookup(CacheKey)}.
 *
 * <ul>
 *   <li>{@link CacheStatus#HIT}: {@code result} is fresh; serve it.
 *   <li>{@link CacheStatus#STALE}: {@code result} is past max-age but inside its
 *       stale-while-revalidate window; serve it. Every stale look-up is served, but only one
 *       caller per key at a time receives {@code refresh}, a leader ticket for the one background
 *       refresh: run the query and complete (or abandon) it.
 *   <li>{@link CacheStatus#MISS}: nothing servable; call {@link QueryCache#begin(CacheKey)}.
 * </ul>
 *
 * @param status HIT, STALE or MISS
 * @param result the servable result for HIT and STALE
 * @param refresh the refresh ticket, for at most one STALE caller per key at a time
 */
public record Lookup(CacheStatus status, Optional<CachedResult> result, Optional<FillTicket.Leader> refresh) {

  private static final Lookup MISS = new Lookup(CacheStatus.MISS, Optional.empty(), Optional.empty());

  /** Checks the combination of status, result and refresh ticket. */
  public Lookup {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(refresh, "refresh");
    switch (status) {
      case HIT, STALE -> {
        if (result.isEmpty()) {
          throw new IllegalArgumentException(status + " needs a result");
        }
      }
      case MISS -> {
        if (result.isPresent()) {
          throw new IllegalArgumentException("MISS carries no result");
        }
      }
      default -> throw new IllegalArgumentException("a lookup is HIT, STALE or MISS, not " + status);
    }
    if (refresh.isPresent() && status != CacheStatus.STALE) {
      throw new IllegalArgumentException("only STALE carries a refresh ticket");
    }
  }

  /** A fresh hit. */
  public static Lookup hit(CachedResult result) {
    return new Lookup(CacheStatus.HIT, Optional.of(result), Optional.empty());
  }

  /** A stale hit, with the refresh ticket if this caller is the one to refresh. */
  public static Lookup stale(CachedResult result, Optional<FillTicket.Leader> refresh) {
    return new Lookup(CacheStatus.STALE, Optional.of(result), refresh);
  }

  /** A miss. */
  public static Lookup miss() {
    return MISS;
  }
}
