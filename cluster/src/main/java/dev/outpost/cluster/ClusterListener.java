package dev.outpost.cluster;

/**
 * Told about membership and coordinator changes of this node's region. Callbacks run one at a time,
 * in order, on the node's own event thread (never on a JGroups thread), so they may take locks or
 * resize pools; a callback that throws is logged and does not stop later ones.
 *
 * <p>On registration a listener first receives the current membership (and {@link
 * #becameCoordinator} if this node coordinates), then every change.
 */
public interface ClusterListener {

  /** The region's live members changed (a node joined, left or failed, or partitions merged). */
  default void membershipChanged(RegionMembership membership) {}

  /**
   * This node is now its region's coordinator: start what must run once per region (e.g. the change
   * feed consumer). During a network partition each side has its own coordinator until they merge.
   */
  default void becameCoordinator() {}

  /** This node is no longer coordinator (another node took over after a merge): stop that work. */
  default void ceasedToBeCoordinator() {}
}
