package dev.outpost.bench.scenario;

import dev.outpost.bench.lab.Availability;
import dev.outpost.bench.lab.OriginCounter;

/**
 * Counts the origin's executions of one query during an endpoint's own rounds (other endpoints run
 * the same query in between, so only the endpoint's rounds are added up). Subclasses turn the count
 * into a verdict.
 */
abstract class OriginExecutions implements Comparison.Check {
  /** Where the executions are counted; missing when the origin has no {@code pg_stat_statements}. */
  protected final Availability<OriginCounter> counter;
  private final String query;
  private long before;
  /** The origin's executions of the query during this endpoint's rounds so far. */
  protected long atOrigin;

  /** @param query the normalized query text prefix as {@code pg_stat_statements} shows it */
  OriginExecutions(Availability<OriginCounter> counter, String query) {
    this.counter = counter;
    this.query = query;
  }

  @Override
  public void roundStarts() throws Exception {
    if (counter.isPresent()) {
      before = counter.value().calls(query);
    }
  }

  @Override
  public void roundEnded() throws Exception {
    if (counter.isPresent()) {
      atOrigin += counter.value().calls(query) - before;
    }
  }
}
