package dev.outpost.bench.scenario;

import dev.outpost.bench.lab.Availability;
import dev.outpost.bench.lab.Dataset;
import dev.outpost.bench.lab.Endpoint;
import dev.outpost.bench.lab.Lab;
import dev.outpost.bench.load.LoadResult;
import dev.outpost.bench.util.Durations;
import dev.outpost.bench.util.Secrets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write in one region, read in another: how long after the writer's commit returns does the reader
 * see the new value? Through Outpost the reader's region has the old value cached, so this is how
 * fast an invalidation crosses regions.
 */
public final class FreshnessScenario implements Scenario {
  private static final Logger log = LoggerFactory.getLogger(FreshnessScenario.class);
  private static final long POLL_PAUSE_NANOS = 500_000;

  @Override
  public String name() {
    return "freshness";
  }

  @Override
  public String title() {
    return "Freshness: a write in region a, seen in region b";
  }

  @Override
  public String description() {
    return "Two regions, each with an Outpost node (cache on) and a distant origin, bridged by an emulated "
        + "inter-region link. Each trial: the reader in region b reads a row (so its region caches it), the "
        + "writer in region a updates it, and from the moment the writer's commit returns, the reader polls "
        + "until it sees the new value. The number is that wait. \"direct\" is the same with both clients "
        + "talking straight to the origin: the reader sees the write on its next round trip.";
  }

  @Override
  public List<Param> parameters() {
    return List.of(
        new Param("trials", "100", "10", "measured write-then-read trials per endpoint pair"),
        Param.of("warmup-trials", "2", "trials before measuring (not recorded)"),
        new Param("timeout", "10s", "5s", "how long a reader waits for a write before the trial counts as failed"),
        new Param("duration", "300s", "60s", "upper bound on the measured time per endpoint pair"));
  }

  @Override
  public ScenarioResult run(Lab lab, Params p) throws Exception {
    lab.dataset(1);
    Map<String, String> params = new LinkedHashMap<>(ServerlessScenario.withWan(lab, p));
    params.put("inter-region one-way delay", Durations.format(lab.config().regionDelay()));
    Endpoint direct = lab.directDistant();
    Availability<List<Endpoint>> regions = lab.outpostRegions();
    List<Row> rows = new ArrayList<>();
    rows.add(measure("direct", true, direct, direct, p, "writer and reader both talk to the origin across the WAN"));
    if (regions.isPresent()) {
      rows.add(measure("outpost a → b", false, regions.value().get(0), regions.value().get(1), p,
          "writer on the region a node, reader on the region b node"));
    } else {
      rows.add(new Row.NotAvailable("outpost a → b", regions.reason()));
    }
    return new ScenarioResult(name(), title(), description(), params, rows, false, List.of(
        "Resolution: the reader polls with a " + (POLL_PAUSE_NANOS / 1000) + " µs pause between reads, so each "
            + "number is at most one read (plus that pause) later than the moment the value became visible."));
  }

  private Row measure(String label, boolean baseline, Endpoint writerAt, Endpoint readerAt, Params p, String note)
      throws InterruptedException {
    int trials = p.integer("trials");
    int warmup = p.integer("warmup-trials");
    Duration timeout = p.duration("timeout");
    long deadline = System.nanoTime() + p.duration("duration").toNanos();
    Histogram seen = new Histogram(3);
    WriteThenReadTrials.Outcome outcome;
    try (Connection writer = writerAt.connect(); Connection reader = readerAt.connect();
        PreparedStatement write = writer.prepareStatement(Dataset.FRESH_WRITE);
        PreparedStatement read = reader.prepareStatement(Dataset.FRESH_READ)) {
      write.setQueryTimeout(Drivers.QUERY_TIMEOUT_SECONDS);
      read.setQueryTimeout(Drivers.QUERY_TIMEOUT_SECONDS);
      outcome = WriteThenReadTrials.run(warmup, trials, deadline, System.currentTimeMillis() * 1_000,
          (token, measured) -> {
            long waited = trial(write, read, token, timeout);
            if (measured) {
              seen.recordValue(Math.max(1, waited));
            }
          });
    } catch (SQLException e) {
      return new Row.Failed(label, "could not connect: " + Secrets.mask(String.valueOf(e.getMessage())));
    }
    long errors = outcome.errors();
    String firstError = outcome.firstError();
    log.info("freshness: {}: {} trials seen, {} failed", label, seen.getTotalCount(), errors);
    if (seen.getTotalCount() == 0) {
      return new Row.Failed(label, firstError == null ? "no trial completed" : firstError);
    }
    LoadResult result = new LoadResult(seen.getTotalCount() + errors + " sequential trials", seen, Map.of(),
        seen.getTotalCount(), errors, 0, outcome.measuredNanos(), firstError, false);
    String errorsNote = errors == 0 ? "" : "; " + errors + " trials never saw the write within "
        + Durations.format(timeout) + " (first: " + firstError + ")";
    return new Row.Measured(label, baseline, result, note + errorsNote);
  }

  /** Primes the reader, writes {@code token}, and returns nanoseconds from commit until the reader sees it. */
  private static long trial(PreparedStatement write, PreparedStatement read, long token, Duration timeout)
      throws SQLException, WriteThenReadTrials.StaleRead {
    Drivers.readLong(read);
    write.setLong(1, token);
    if (write.executeUpdate() != 1) {
      throw new SQLException("the freshness row is missing");
    }
    long committed = System.nanoTime();
    while (true) {
      long value = Drivers.readLong(read);
      long now = System.nanoTime();
      if (value == token) {
        return now - committed;
      }
      if (now - committed > timeout.toNanos()) {
        throw new WriteThenReadTrials.StaleRead("still read " + value + " instead of " + token + " after "
            + Durations.format(timeout));
      }
      LockSupport.parkNanos(POLL_PAUSE_NANOS);
    }
  }
}
