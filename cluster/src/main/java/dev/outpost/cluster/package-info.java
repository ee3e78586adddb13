/**
 * Outpost's cluster (DESIGN §1, §5.6, §6.6, §7): the nodes of a region share one query cache through
 * a total-order bus over a JGroups channel, invalidations reach every region through RELAY3, and
 * membership drives the origin connection budget.
 *
 * <p>The proxy uses {@link dev.outpost.cluster.ClusterConfig}, {@link dev.outpost.cluster.ClusterNode}
 * (its {@code cacheBus()} goes to the cache builder), {@link dev.outpost.cluster.ClusterListener},
 * {@link dev.outpost.cluster.RegionMembership}, {@link dev.outpost.cluster.ConnectionBudget} and
 * {@link dev.outpost.cluster.ClusterSnapshot}; none of them exposes a JGroups type.
 */
package dev.outpost.cluster;
