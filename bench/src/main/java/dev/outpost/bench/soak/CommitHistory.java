package dev.outpost.bench.soak;

/**
 * The acknowledged commits of each client's own row, with when they were acknowledged, so that a
 * read can be held to what it must see: through the node the write went through, every commit
 * acknowledged before the read began (DESIGN §6.5); through another node of the region, every commit
 * acknowledged at least the propagation bound before the read began (§6.6: the invalidation's
 * propagation time).
 *
 * <p>Only the owning client writes its row and each commit adds one, so a client's values only
 * grow; the history keeps the last {@link #KEPT} commits per client. A read whose cut-off falls
 * before the oldest kept commit is not judged (the answer is not known from what is kept).
 */
final class CommitHistory {
  /** Commits kept per client: far more than a client acknowledges within any propagation bound. */
  static final int KEPT = 4096;

  private final long[][] at;
  private final long[][] values;
  private final int[] count;

  CommitHistory(int clients) {
    at = new long[clients][KEPT];
    values = new long[clients][KEPT];
    count = new int[clients];
  }

  int clients() {
    return count.length;
  }

  /** Client {@code client}'s commit of {@code value} was acknowledged at {@code nanos} (System.nanoTime). */
  void acknowledged(int client, long value, long nanos) {
    synchronized (at[client]) {
      int n = count[client];
      int i = n % KEPT;
      at[client][i] = nanos;
      values[client][i] = n == 0 ? value : Math.max(value, values[client][(n - 1) % KEPT]);
      count[client] = n + 1;
    }
  }

  /**
   * The highest value of {@code client} acknowledged at or before {@code cutoffNanos}: 0 when none
   * was, -1 when that is older than what is kept (the read is not judged).
   */
  long acknowledgedBy(int client, long cutoffNanos) {
    synchronized (at[client]) {
      int n = count[client];
      int oldest = Math.max(0, n - KEPT);
      for (int k = n - 1; k >= oldest; k--) {
        int i = k % KEPT;
        if (at[client][i] - cutoffNanos <= 0) {
          return values[client][i];
        }
      }
      return n > KEPT ? -1 : 0;
    }
  }
}
