package dev.outpost.cluster;

/**
 * A point-in-time snapshot of one node's cluster counters, for {@code SHOW CLUSTER} and metrics.
 * All counts are since the node started and never decrease.
 *
 * @param fillsSent fills this node submitted for replication to its region
 * @param fillsLocalOnly fills kept on this node because their encoding exceeded {@code cluster.max-fill-size}
 * @param fillsReceived fills of other nodes delivered to this node's cache
 * @param fillsDropped fills the bus did not hand to the cache: out of the region's order (around a
 *     coordinator change or merge), before the cache was bound, or over a local memory bound
 * @param invalidationsSent invalidations this node's writes published
 * @param invalidationsReceived invalidations of other nodes (or regions) delivered here
 * @param invalidationsResubmitted invalidations sent again after a coordinator change or because
 *     they arrived out of order
 * @param invalidationsRelayedOut invalidations this node, as coordinator, sent to other regions
 * @param invalidationsRelayedIn invalidations this node received from other regions
 * @param flushes flushes delivered to this node's cache (joins, coordinator changes, merges and
 *     cluster-wide flushes)
 * @param eventsSequenced events this node stamped while it was the region's coordinator
 * @param eventsOutOfOrder events received outside the current term's order: late (an older term), or
 *     early (a view not installed here yet) and still not in order once that view came, or given up
 *     because too many waited; early events that fit their view when it comes are applied, not counted
 * @param framesRejected frames rejected as malformed, of an unknown version, or oversized
 * @param applyFailures events the cache threw on when they were applied (a bug; logged)
 * @param sendFailures frames the channel refused to send
 * @param bytesSent frame bytes sent
 * @param bytesReceived frame bytes received
 */
public record ClusterStats(
    long fillsSent,
    long fillsLocalOnly,
    long fillsReceived,
    long fillsDropped,
    long invalidationsSent,
    long invalidationsReceived,
    long invalidationsResubmitted,
    long invalidationsRelayedOut,
    long invalidationsRelayedIn,
    long flushes,
    long eventsSequenced,
    long eventsOutOfOrder,
    long framesRejected,
    long applyFailures,
    long sendFailures,
    long bytesSent,
    long bytesReceived) {}
