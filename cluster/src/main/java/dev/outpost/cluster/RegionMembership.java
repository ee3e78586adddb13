package dev.outpost.cluster;

import java.util.List;
import java.util.Objects;

/**
 * The live members of this node's region after a view change, as the proxy needs them: how many
 * there are (for the connection budget, DESIGN §5.6), who they are and who coordinates.
 *
 * @param region the region
 * @param viewId JGroups' view id: grows with every change (and past both sides' ids at a merge)
 * @param members the members' node names, coordinator first
 * @param coordinator the coordinator's node name
 * @param self this node's name
 * @param merged true if this view joined partitions (the cache was flushed)
 */
public record RegionMembership(
    String region, long viewId, List<String> members, String coordinator, String self, boolean merged) {

  /** Copies the member list and checks that it contains the coordinator and this node. */
  public RegionMembership {
    Objects.requireNonNull(region, "region");
    members = List.copyOf(members);
    if (members.isEmpty() || !members.get(0).equals(coordinator)) {
      throw new IllegalArgumentException("the coordinator is the first member: " + members + " / " + coordinator);
    }
    Objects.requireNonNull(self, "self");
  }

  /** Number of live members, this node included. */
  public int size() {
    return members.size();
  }

  /** True if this node is the region's coordinator. */
  public boolean isCoordinator() {
    return coordinator.equals(self);
  }

  /** This node's share of a region budget: {@link ConnectionBudget#share}. */
  public int share(int budget) {
    return ConnectionBudget.share(budget, size());
  }
}
