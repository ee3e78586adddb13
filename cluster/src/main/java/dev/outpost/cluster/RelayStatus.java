package dev.outpost.cluster;

import java.util.List;

/**
 * The cross-region relay as this node sees it, for {@code SHOW CLUSTER}.
 *
 * @param enabled true if this node is configured to relay ({@code cluster.relay-bind} is set)
 * @param siteMaster true if this node is its region's site master (it holds the bridge)
 * @param siteMasters the node names of this region's site masters
 * @param reachableRegions other regions this node's bridge currently reaches (known on site masters)
 */
public record RelayStatus(boolean enabled, boolean siteMaster, List<String> siteMasters, List<String> reachableRegions) {

  /** The status of a node without a relay. */
  public static final RelayStatus DISABLED = new RelayStatus(false, false, List.of(), List.of());

  /** Copies the lists. */
  public RelayStatus {
    siteMasters = List.copyOf(siteMasters);
    reachableRegions = List.copyOf(reachableRegions);
  }
}
