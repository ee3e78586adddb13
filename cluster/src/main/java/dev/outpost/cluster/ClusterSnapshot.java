package dev.outpost.cluster;

import java.util.List;

/**
 * What {@code SHOW CLUSTER} shows about this node: the region's membership, this node's place in
 * the region's event order, the relay, and the counters. Immutable.
 *
 * @param region the region
 * @param node this node's name
 * @param cluster the JGroups cluster name ({@code outpost-<region>})
 * @param viewId the current view id
 * @param members the live members, coordinator first
 * @param coordinator the coordinator's name
 * @param coordinatorHere true if this node is the coordinator
 * @param lastSequence the last event applied here, as {@code epoch:counter}
 * @param pendingInvalidations own invalidations not yet delivered back (each keeps fills of its tables out
 *     of this node's cache until it is)
 * @param heldEvents events numbered in a view this node has not installed yet, held until it is
 * @param awaitedInvalidations invalidations of the previous term not yet applied in this one; fills
 *     of the new term that touch their tables are dropped here until they are
 * @param relay the relay's status
 * @param stats the counters
 */
public record ClusterSnapshot(
    String region,
    String node,
    String cluster,
    long viewId,
    List<String> members,
    String coordinator,
    boolean coordinatorHere,
    String lastSequence,
    int pendingInvalidations,
    int heldEvents,
    int awaitedInvalidations,
    RelayStatus relay,
    ClusterStats stats) {

  /** Copies the member list. */
  public ClusterSnapshot {
    members = List.copyOf(members);
  }
}
