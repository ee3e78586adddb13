package dev.outpost.cluster;

import java.util.List;
import org.jgroups.stack.Protocol;

/**
 * Builds fresh protocol lists (bottom first, transport at index 0) for the regional channel and for
 * the bridge channel that RELAY3 opens whenever this node becomes its region's site master. Every
 * call returns new instances: a protocol object belongs to exactly one channel.
 */
interface StackFactory {

  /** The regional stack, without RELAY3 (added on top by {@link ClusterNode} when relaying). */
  List<Protocol> region(ClusterConfig config) throws Exception;

  /** The bridge stack between regions' site masters. */
  List<Protocol> bridge(ClusterConfig config) throws Exception;
}
