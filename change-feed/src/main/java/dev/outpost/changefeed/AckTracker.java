package dev.outpost.changefeed;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Commits received from the origin whose confirmation waits for their sink, in commit order.
 *
 * <p>Guarantees: {@link #advance()} only ever moves past a commit whose delivery completed
 * normally and all of whose predecessors did too, so the confirmed position never overtakes an
 * undelivered invalidation, whatever order the sink completes in. Entries are added and
 * advanced on the feed thread; {@link Entry#complete} may be called from any thread.
 */
final class AckTracker {

  /** One commit awaiting its sink. */
  static final class Entry {
    private static final Throwable OK = new Throwable("delivered", null, false, false) {};

    final Lsn endLsn;
    final Instant commitTime;
    final boolean event;
    final int relations;
    private final AtomicReference<Throwable> outcome = new AtomicReference<>();

    Entry(Lsn endLsn, Instant commitTime, boolean event, int relations) {
      this.endLsn = endLsn;
      this.commitTime = commitTime;
      this.event = event;
      this.relations = relations;
    }

    /** Records the delivery outcome (null = delivered); later calls are ignored. */
    void complete(Throwable failure) {
      outcome.compareAndSet(null, failure == null ? OK : failure);
    }

    boolean delivered() {
      return outcome.get() == OK;
    }

    Throwable failure() {
      Throwable t = outcome.get();
      return t == OK ? null : t;
    }
  }

  /** What one {@link #advance()} moved past. */
  record Progress(Lsn confirmed, Instant lastCommitTime, int events, long relations) {}

  private final ArrayDeque<Entry> queue = new ArrayDeque<>();

  /**
   * Adds the next commit (commit order is the caller's order); {@code event}: it was handed to
   * the sink (and counts as delivered once confirmed) with {@code relations} names.
   */
  Entry add(Lsn endLsn, Instant commitTime, boolean event, int relations) {
    Entry last = queue.peekLast();
    if (last != null && endLsn.compareTo(last.endLsn) < 0) {
      throw new IllegalStateException("commit " + endLsn + " arrived after " + last.endLsn);
    }
    Entry e = new Entry(endLsn, commitTime, event, relations);
    queue.addLast(e);
    return e;
  }

  /** Removes the delivered prefix; null when the oldest commit is still pending or nothing waits. */
  Progress advance() {
    Entry last = null;
    int events = 0;
    long relations = 0;
    int bound = queue.size(); // one pass over what is queued now
    for (int i = 0; i < bound && queue.peekFirst().delivered(); i++) {
      last = queue.pollFirst();
      if (last.event) {
        events++;
        relations += last.relations;
      }
    }
    return last == null ? null : new Progress(last.endLsn, last.commitTime, events, relations);
  }

  /** The failure of the oldest pending commit, if its delivery failed. */
  Throwable headFailure() {
    Entry head = queue.peekFirst();
    return head == null ? null : head.failure();
  }

  /** Commit time of the oldest commit still waiting, or null. */
  Instant oldestCommitTime() {
    Entry head = queue.peekFirst();
    return head == null ? null : head.commitTime;
  }

  int size() {
    return queue.size();
  }
}
