package dev.outpost.bench.soak;

import java.time.Duration;

/**
 * Where each soak client's connection goes, which rows it writes, and how fresh another client's
 * read of them must be.
 *
 * <p>Clients {@code 0 .. throughNodes-1} work through the nodes, client {@code i} through node
 * {@code i % nodes}, and write their own rows in the table of that node (only that node's clients
 * write it, so another node's cached reads of it are kept fresh by the region's invalidations
 * alone). Clients {@code throughNodes ..} write straight to the origin, bypassing Outpost, in a table
 * of their own: the nodes learn of those writes only from the change feed.
 *
 * @param nodes Outpost nodes
 * @param throughNodes clients that work through the nodes
 * @param direct clients that write straight to the origin
 * @param propagationBound how long after its acknowledgement a commit through one node must show
 *     in reads through another (DESIGN §6.6)
 * @param changeFeedBound how long after its acknowledgement a commit straight to the origin must
 *     show in reads through any node (DESIGN §8)
 */
record SoakLayout(int nodes, int throughNodes, int direct, Duration propagationBound, Duration changeFeedBound) {
  static final String DIRECT_TABLE = "outpost_soak_direct";

  /** How a write reached the reader's node. */
  enum Route {
    /** Through the reader's own node: seen by its next read (§6.5). */
    SAME_NODE,
    /** Through another node of the region or of another region: within the propagation bound (§6.6). */
    OTHER_NODE,
    /** Straight to the origin, bypassing Outpost: within the change feed's bound (§8). */
    STRAIGHT_TO_ORIGIN
  }

  int clients() {
    return throughNodes + direct;
  }

  boolean isDirect(int client) {
    return client >= throughNodes;
  }

  /** The node (0-based) a client that works through the nodes uses. */
  int node(int client) {
    return client % nodes;
  }

  /** The table of the rows written through node {@code node} (0-based). */
  static String nodeTable(int node) {
    return "outpost_soak_own_" + (node + 1);
  }

  /** The table holding {@code client}'s own row. */
  String ownTable(int client) {
    return isDirect(client) ? DIRECT_TABLE : nodeTable(node(client));
  }

  /** How {@code writer}'s commits reach the node {@code reader} reads through. */
  Route route(int reader, int writer) {
    if (isDirect(writer)) {
      return Route.STRAIGHT_TO_ORIGIN;
    }
    return node(reader) == node(writer) ? Route.SAME_NODE : Route.OTHER_NODE;
  }

  /**
   * How long before a read a commit that took {@code route} must have been acknowledged for the
   * read to be held to it.
   */
  Duration allowedLag(Route route) {
    return switch (route) {
      case SAME_NODE -> Duration.ZERO;
      case OTHER_NODE -> propagationBound;
      case STRAIGHT_TO_ORIGIN -> changeFeedBound;
    };
  }

  /** Where {@code client}'s writes go, for a stale read's description. */
  String writesGoTo(int client) {
    return isDirect(client) ? "straight to the origin" : "through node " + (node(client) + 1);
  }
}
