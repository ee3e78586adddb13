package dev.outpost.changefeed;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mutable numbers behind {@link ChangeFeedStatus}: written by the feed thread and the slot
 * monitor, read by anyone through {@link #snapshot()} without locks.
 */
final class FeedState {

  private final String slot;
  private final String database;
  private final Clock clock;

  private volatile ChangeFeedStatus.State state = ChangeFeedStatus.State.STOPPED;
  private volatile String reason;
  private volatile Instant since;
  volatile Lsn confirmed = Lsn.INVALID;
  volatile Lsn received = Lsn.INVALID;
  volatile Lsn slotConfirmed = Lsn.INVALID;
  volatile long lagBytes = -1;
  /** Commit time of the oldest commit received but not confirmed; null when none. */
  volatile Instant oldestUnconfirmed;
  volatile Instant lastCommitTime;
  /** Set when a new slot was created and its all-relations event is not yet delivered. */
  volatile boolean owesFullInvalidation;
  final AtomicLong events = new AtomicLong();
  final AtomicLong relations = new AtomicLong();
  final AtomicLong errors = new AtomicLong();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  FeedState(String slot, String database, Clock clock) {
    this.slot = slot;
    this.database = database;
    this.clock = clock;
    this.since = clock.instant();
  }

  /** True the first time {@code message} is seen by this feed (to log a standing condition once). */
  boolean firstTime(String message) {
    return seen.size() < 100 && seen.add(message);
  }

  Clock clock() {
    return clock;
  }

  ChangeFeedStatus.State state() {
    return state;
  }

  /** Moves to {@code next}; returns false when already there with the same reason. */
  synchronized boolean enter(ChangeFeedStatus.State next, String why) {
    if (state == next && Objects.equals(reason, why)) {
      return false;
    }
    state = next;
    reason = why;
    since = clock.instant();
    return true;
  }

  ChangeFeedStatus snapshot() {
    Instant oldest = oldestUnconfirmed;
    double lag = 0;
    if (oldest != null) {
      Duration d = Duration.between(oldest, clock.instant());
      // The commit time is the origin's clock: skew can make a fresh commit look like the future.
      lag = d.isNegative() ? 0 : d.toNanos() / 1e9;
    }
    ChangeFeedStatus.State s;
    String why;
    Instant when;
    synchronized (this) {
      s = state;
      why = reason;
      when = since;
    }
    return new ChangeFeedStatus(slot, database, s, why, confirmed, received, slotConfirmed, lagBytes, lag,
        lastCommitTime, events.get(), relations.get(), errors.get(), when);
  }
}
