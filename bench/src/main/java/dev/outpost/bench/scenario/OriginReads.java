package dev.outpost.bench.scenario;

import dev.outpost.bench.lab.Availability;
import dev.outpost.bench.lab.OriginCounter;
import dev.outpost.bench.load.LoadResult;
import org.HdrHistogram.Histogram;

/**
 * Says how many of an endpoint's reads reached the origin, so a reader of the report can tell a
 * cache that served most reads from one whose entries kept being invalidated. Counts the origin's
 * executions of the read during the endpoint's own rounds (warm-ups included, so the share is an
 * upper bound); never rejects the row.
 */
final class OriginReads extends OriginExecutions {
  private final String kind;

  /**
   * @param query the normalized query text prefix as {@code pg_stat_statements} shows it
   * @param kind the operation kind the workers report for this read
   */
  OriginReads(Availability<OriginCounter> counter, String query, String kind) {
    super(counter, query);
    this.kind = kind;
  }

  @Override
  public Comparison.Verdict verdict(LoadResult result) {
    if (!counter.isPresent()) {
      return Comparison.Verdict.fine("");
    }
    Histogram reads = result.byKind().get(kind);
    long measured = reads == null ? 0 : reads.getTotalCount();
    return Comparison.Verdict.fine("the origin executed the read " + atOrigin + " times (warm-ups included) for "
        + measured + " measured reads");
  }
}
