package dev.outpost.cluster;

/**
 * The cluster-wide connection budget of DESIGN §5.6: a region's {@code origin.max-connections} is
 * split evenly across its live members, rounding down so that the sum never exceeds the budget, but
 * never below one connection per node (a region with more nodes than budget can exceed it by at
 * most one connection per extra node; that is the documented floor).
 */
public final class ConnectionBudget {

  private ConnectionBudget() {}

  /**
   * {@code max(1, floor(budget / members))}.
   *
   * @param budget the region's budget, at least 1
   * @param members live members of the region, at least 1
   */
  public static int share(int budget, int members) {
    if (budget < 1) {
      throw new IllegalArgumentException("origin.max-connections must be at least 1, got " + budget);
    }
    if (members < 1) {
      throw new IllegalArgumentException("a region has at least one member (this node), got " + members);
    }
    return Math.max(1, budget / members);
  }
}
