package dev.outpost.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The coordinator's half of the region's total order: while this node is coordinator it numbers
 * events {@code (epoch, 1), (epoch, 2), …} where the epoch is the id of the view in which its term
 * began (see {@link SequenceSpace}). Only the bus's sender thread stamps, and it multicasts each
 * stamped frame before stamping the next, so stamp order is send order, and NAKACK2's FIFO per
 * sender makes it every member's delivery order.
 *
 * <p>It also remembers, per term, the invalidations it stamped that were marked as resubmitted,
 * so the copies every member sends after a coordinator change are stamped once. Thread-safe.
 */
final class Sequencer {

  private static final int MAX_REMEMBERED = 16_384;

  private boolean active;
  private long epoch;
  private long counter;
  private boolean exhausted;
  private final Map<String, Boolean> resubmitted =
      new LinkedHashMap<>(256, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > MAX_REMEMBERED;
        }
      };

  /** This node became coordinator in view {@code viewId} (or a merge gave it a new term). */
  synchronized void startTerm(long viewId) {
    active = viewId <= SequenceSpace.MAX_EPOCH;
    epoch = viewId;
    counter = 0;
    exhausted = !active;
    resubmitted.clear();
  }

  /** This node is no longer coordinator. */
  synchronized void stop() {
    active = false;
  }

  synchronized boolean active() {
    return active;
  }

  synchronized long epoch() {
    return epoch;
  }

  /** The last sequence stamped in this term, or 0 before the first. */
  synchronized long lastStamped() {
    return counter == 0 ? 0 : SequenceSpace.sequence(epoch, counter);
  }

  /**
   * The next sequence number, or -1 if this node is not coordinator or the term's sequence space is
   * used up (see {@link #exhausted}).
   */
  synchronized long next() {
    if (!active) {
      return -1;
    }
    if (counter == SequenceSpace.MAX_COUNTER) {
      exhausted = true;
      return -1;
    }
    return SequenceSpace.sequence(epoch, ++counter);
  }

  /** True once this term ran out of numbers (or its view id is beyond the epoch range). */
  synchronized boolean exhausted() {
    return exhausted;
  }

  /** True the first time a resubmitted invalidation {@code key} is offered in this term. */
  synchronized boolean firstResubmission(String key) {
    return resubmitted.put(key, Boolean.TRUE) == null;
  }
}
