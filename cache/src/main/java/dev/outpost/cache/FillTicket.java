package dev.outpost.cache;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The answer to {@link QueryCache#begin(CacheKey)} (single-flight, DESIGN §6.4): for concurrent
 * misses on one key exactly one caller is the {@link Leader}, which fetches from the origin; the
 * others are {@link Follower}s, which wait for the leader's result.
 */
public sealed interface FillTicket permits FillTicket.Leader, FillTicket.Follower {

  /** The key the ticket is for. */
  CacheKey key();

  /**
   * The caller that must fetch from the origin and then call exactly one of {@link #complete} or
   * {@link #abandon} (later calls are ignored). Use try/finally: a leader that does neither blocks
   * followers until their own timeouts and the flight until the cache's maximum flight time.
   */
  non-sealed interface Leader extends FillTicket {

    /**
     * The bus sequence number this node had delivered when the ticket was issued; the fill is
     * dropped if a dependency is invalidated at a later sequence (DESIGN §6.6).
     */
    long sequenceAtStart();

    /** When the ticket was issued, on the cache's ticker: use it as the result's creation time. */
    long startedAtNanos();

    /**
     * Hands the origin's complete result to the followers and publishes it as a fill. Returns the
     * status to record for the leader's query: {@link CacheStatus#MISS}, or {@link
     * CacheStatus#OVERSIZED} if the result exceeds the maximum entry size — then nothing is stored
     * and followers are told to go to the origin.
     */
    CacheStatus complete(CachedResult result);

    /** Gives up (error, PortalSuspended, client gone): followers are told to go to the origin. */
    void abandon();
  }

  /**
   * A caller that waits for the leader's result. The future is this follower's own copy: bound it
   * with {@link CompletableFuture#orTimeout} or a timed get. It completes with the result, or
   * exceptionally with {@link FillAbandonedException} if the leader gave up; either way the
   * follower goes to the origin itself on failure or timeout.
   *
   * @param key the key
   * @param result the leader's result, as seen by this follower
   */
  record Follower(CacheKey key, CompletableFuture<CachedResult> result) implements FillTicket {
    /** Rejects nulls. */
    public Follower {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(result, "result");
    }
  }
}
