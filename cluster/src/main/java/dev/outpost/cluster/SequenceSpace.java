package dev.outpost.cluster;

/**
 * How a region's bus sequence numbers are laid out: {@code epoch << 40 | counter}, like ZooKeeper's
 * zxid (epoch, counter).
 *
 * <p>The epoch is the JGroups view id of the view in which the current coordinator's term began;
 * the counter is that coordinator's count of stamped events in the term, from 1. JGroups gives
 * every new view an id one above its predecessor's and every merge view one above the highest of
 * the merging views, so a term that starts later, or after a merge, always has a higher epoch than
 * any term any of its members has seen: sequence numbers stay strictly increasing at every node
 * across coordinator changes and merges, without the nodes exchanging their positions. Within a
 * term, one coordinator stamps every event, so every node sees the same number for the same event.
 *
 * <p>Limits: 2^23 view changes in the life of a region and 2^40 events per term (about 127 days at
 * 100,000 events per second); beyond either the coordinator stops stamping (logged as an error and
 * counted) until the next term.
 */
final class SequenceSpace {

  static final int COUNTER_BITS = 40;
  static final long MAX_COUNTER = (1L << COUNTER_BITS) - 1;
  static final long MAX_EPOCH = (1L << (63 - COUNTER_BITS)) - 1;

  private SequenceSpace() {}

  /** The sequence number of event {@code counter} of the term that began in view {@code epoch}. */
  static long sequence(long epoch, long counter) {
    if (epoch < 0 || epoch > MAX_EPOCH) {
      throw new IllegalArgumentException("epoch " + epoch + " outside 0.." + MAX_EPOCH);
    }
    if (counter < 0 || counter > MAX_COUNTER) {
      throw new IllegalArgumentException("counter " + counter + " outside 0.." + MAX_COUNTER);
    }
    return epoch << COUNTER_BITS | counter;
  }

  /** The epoch part of a sequence number. */
  static long epoch(long sequence) {
    return sequence >>> COUNTER_BITS;
  }

  /** The counter part of a sequence number. */
  static long counter(long sequence) {
    return sequence & MAX_COUNTER;
  }

  /** {@code epoch:counter}, for logs and the admin console. */
  static String format(long sequence) {
    return epoch(sequence) + ":" + counter(sequence);
  }
}
