package dev.outpost.bench.scenario;

import dev.outpost.bench.lab.Availability;
import dev.outpost.bench.lab.OriginCounter;
import dev.outpost.bench.load.LoadResult;

/**
 * Proves that a row labelled as cache hits really was served without the origin: counts the
 * origin's executions of the query during the endpoint's own rounds (other endpoints run the same
 * query in between). A node that accepted
 * {@code --cache on} but sent (nearly) every read to the origin gets no "hit" numbers.
 */
final class OriginHits extends OriginExecutions {
  private final long distinctKeys;

  /**
   * @param query the normalized query text prefix as {@code pg_stat_statements} shows it
   * @param distinctKeys how many different keys the run reads; each may miss once to fill the cache
   */
  OriginHits(Availability<OriginCounter> counter, String query, long distinctKeys) {
    super(counter, query);
    this.distinctKeys = distinctKeys;
  }

  @Override
  public Comparison.Verdict verdict(LoadResult result) throws Exception {
    if (!counter.isPresent()) {
      return Comparison.Verdict.fine("hits not verified at the origin: " + counter.reason());
    }
    // Fills of each key and a few expiries are fine; half the reads reaching the origin is not a cache.
    if (atOrigin > distinctKeys + result.ops() / 2) {
      return Comparison.Verdict.notAvailable("the node accepted the cache flags, but the origin executed the "
          + "query " + atOrigin + " times for " + result.ops() + " measured reads: reads are not served from a cache");
    }
    return Comparison.Verdict.fine("the origin executed the query " + atOrigin + " times (warm-up included) for "
        + result.ops() + " measured reads");
  }
}
