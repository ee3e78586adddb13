package dev.outpost.changefeed;

import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of one change feed for operators: the admin console's {@code SHOW CHANGE FEED} and
 * the {@code outpost_change_feed_lag_bytes}/{@code _seconds} metrics read it.
 *
 * <p>Guarantees: taken without blocking the feed; counters never decrease during one feed's
 * lifetime; {@code lagSeconds} is never negative.
 *
 * @param slot the replication slot
 * @param database the origin database
 * @param state what the feed is doing
 * @param reason why the feed is reconnecting or failed (null otherwise)
 * @param confirmedLsn the last commit end this feed confirmed to the origin (INVALID before the first)
 * @param receivedLsn the last position received from the origin
 * @param slotConfirmedLsn {@code confirmed_flush_lsn} as {@code pg_replication_slots} last showed it
 *     (INVALID when not yet read)
 * @param lagBytes {@code pg_current_wal_lsn() - confirmed_flush_lsn} at the last reading, or -1
 *     when unknown (not yet read, or the origin is unreachable)
 * @param lagSeconds age of the oldest commit received but not yet confirmed; 0 when every received
 *     commit is confirmed (caught up)
 * @param lastCommitTime origin commit time of the last confirmed commit, or null
 * @param eventsDelivered events whose delivery the sink confirmed
 * @param relationsInvalidated relation names in those events (an all-relations event counts 0)
 * @param errors failed connection attempts, stream losses and failed deliveries
 * @param since when the feed entered {@code state}
 */
public record ChangeFeedStatus(String slot, String database, State state, String reason, Lsn confirmedLsn,
    Lsn receivedLsn, Lsn slotConfirmedLsn, long lagBytes, double lagSeconds, Instant lastCommitTime,
    long eventsDelivered, long relationsInvalidated, long errors, Instant since) {

  /** The feed's life cycle. */
  public enum State {
    /** Connecting, checking the origin, creating the publication or slot. */
    STARTING,
    /** Consuming the stream. */
    STREAMING,
    /** Lost the origin or the slot is busy; trying again with capped back-off. */
    RECONNECTING,
    /** Stopped by its owner; the slot is kept for the next consumer. */
    STOPPED,
    /** Gave up: the origin cannot provide the feed until an operator acts ({@code reason} says how). */
    FAILED
  }

  /** Checks required fields. */
  public ChangeFeedStatus {
    Objects.requireNonNull(slot, "slot");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(confirmedLsn, "confirmedLsn");
    Objects.requireNonNull(receivedLsn, "receivedLsn");
    Objects.requireNonNull(slotConfirmedLsn, "slotConfirmedLsn");
    Objects.requireNonNull(since, "since");
    if (lagSeconds < 0 || Double.isNaN(lagSeconds)) {
      throw new IllegalArgumentException("lagSeconds must be >= 0: " + lagSeconds);
    }
  }

  /** True while the feed is consuming or trying to (not stopped, not failed). */
  public boolean running() {
    return state == State.STARTING || state == State.STREAMING || state == State.RECONNECTING;
  }
}
