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

  /** One node, every client through it. */
  static SoakLayout oneNode(int clients) {
    return new SoakLayout(1, clients, 0, Duration.ZERO, Duration.ZERO);
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

  /**
   * How long before a read by {@code reader} a commit of {@code writer} must have been acknowledged
   * for the read to be held to it: zero through the same node (§6.5), the propagation bound through
   * another node, the change feed's bound for a write that bypassed Outpost.
   */
  Duration allowedLag(int reader, int writer) {
    if (isDirect(writer)) {
      return changeFeedBound;
    }
    return node(reader) == node(writer) ? Duration.ZERO : propagationBound;
  }

  /** Where {@code client}'s writes go, for a stale read's description. */
  String route(int client) {
    return isDirect(client) ? "straight to the origin" : "through node " + (node(client) + 1);
  }
}
