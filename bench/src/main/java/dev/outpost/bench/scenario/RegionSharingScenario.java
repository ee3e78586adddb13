package dev.outpost.bench.scenario;

import dev.outpost.bench.lab.Availability;
import dev.outpost.bench.lab.Dataset;
import dev.outpost.bench.lab.Endpoint;
import dev.outpost.bench.lab.Lab;
import dev.outpost.bench.lab.OriginCounter;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three Outpost nodes of one region share one cache: (a) how many origin executions does that save
 * against three independent nodes for the same reads, and (b) how long does an invalidation take
 * to reach the other nodes of the region?
 */
public final class RegionSharingScenario implements Scenario {
  private static final Logger log = LoggerFactory.getLogger(RegionSharingScenario.class);
  private static final long POLL_PAUSE_NANOS = 500_000;
  private static final Duration WARM_UP_LIMIT = Duration.ofSeconds(15);
  public static final String PROPAGATION = "outpost region (node 1 → nodes 2, 3)";
  private static final int NODES = Lab.REGION_NODES;

  @Override
  public String name() {
    return "region-sharing";
  }

  @Override
  public String title() {
    return "Region sharing: one cache for three nodes";
  }

  @Override
  public String description() {
    return "Three Outpost nodes (cache on, distant origin) forming one region, next to three independent "
        + "standalone nodes. Origin load: the same sequential reads on each setup (pgjdbc, prepared point reads "
        + "of `keys` distinct keys): every key on node 1, then every key on node 2, then every key on node 3, "
        + "with the origin's executions of the read counted from pg_stat_statements before and after each "
        + "pass. Three application instances reading straight from the origin (\"direct\") are the baseline: "
        + "every read is an origin execution. Each setup reads its own key range, so none starts warm; "
        + "before its passes each node reads one extra key until it answers it locally (a node fetches the "
        + "catalog facts of a table on its first read of it and sends reads to the origin uncached until they "
        + "arrive), so the passes measure the steady state. "
        + "Propagation: each trial primes node 2 and node 3 with a row (so they cache it), updates the row "
        + "through node 1, and from the moment the commit returns polls node 2 and node 3 until both show the "
        + "new value; the number is that wait (until both; per node in the sub-rows).";
  }

  @Override
  public List<Param> parameters() {
    return List.of(
        new Param("keys", "200", "20", "distinct keys each setup reads, once per node"),
        new Param("trials", "100", "10", "measured propagation trials (write on node 1, seen on nodes 2 and 3)"),
        Param.of("warmup-trials", "2", "propagation trials before measuring (not recorded)"),
        new Param("timeout", "10s", "5s", "how long nodes 2 and 3 may take to show a write before the trial fails"),
        new Param("duration", "300s", "60s", "upper bound on the measured propagation time"));
  }

  @Override
  public ScenarioResult run(Lab lab, Params p) throws Exception {
    int keys = p.integer("keys");
    if (keys < 1) {
      throw new IllegalArgumentException("region-sharing.keys must be positive: " + keys);
    }
    // Three disjoint key ranges: direct, the shared region, the independent nodes; one more key
    // (3·keys + 1) warms the nodes up.
    lab.dataset(3L * keys + 1);
    Map<String, String> params = new LinkedHashMap<>(ServerlessScenario.withWan(lab, p));
    Availability<OriginCounter> counter = lab.originCounter();
    Endpoint direct = lab.directDistant();
    Availability<List<Endpoint>> shared = lab.sharedRegion();
    Availability<List<Endpoint>> independent = lab.independentNodes();

    List<Row> rows = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    long warmKey = 3L * keys + 1;
    Duration localAnswer = lab.config().wanDelay(); // a read answered by the node takes far less than a round trip
    Passes directPasses = passes("direct", true, List.of(direct, direct, direct), 1, keys, counter,
        "three application instances reading straight from the origin across the WAN");
    rows.add(directPasses.row());
    Passes sharedPasses = null;
    Passes independentPasses = null;
    String sharedLabel = "outpost region (3 nodes, one cache)";
    String independentLabel = "outpost independent (3 nodes, 3 caches)";
    if (shared.isPresent()) {
      warmUp(shared.value(), warmKey, localAnswer, notes);
      sharedPasses = passes(sharedLabel, false, shared.value(), 1L + keys, keys, counter,
          "three nodes of region " + Lab.SHARED_REGION + ": a fill on one is shared with the others");
      rows.add(sharedPasses.row());
    } else {
      rows.add(new Row.NotAvailable(sharedLabel, shared.reason()));
    }
    if (independent.isPresent()) {
      warmUp(independent.value(), warmKey, localAnswer, notes);
      independentPasses = passes(independentLabel, false, independent.value(), 1L + 2L * keys, keys, counter,
          "three standalone nodes, each with its own cache");
      rows.add(independentPasses.row());
    } else {
      rows.add(new Row.NotAvailable(independentLabel, independent.reason()));
    }
    if (shared.isPresent()) {
      rows.add(propagation(shared.value(), p));
    } else {
      rows.add(new Row.NotAvailable(PROPAGATION, shared.reason()));
    }

    if (!counter.isPresent()) {
      notes.add("Origin executions were not counted: " + counter.reason() + ". Without them the saving of "
          + "sharing cannot be measured; the latencies still are.");
    } else if (sharedPasses != null && independentPasses != null && sharedPasses.counted()
        && independentPasses.counted() && sharedPasses.row() instanceof Row.Measured
        && independentPasses.row() instanceof Row.Measured) {
      long saved = independentPasses.origin() - sharedPasses.origin();
      rows.set(rows.indexOf(sharedPasses.row()), withNote(sharedPasses.row(), "; against "
          + independentPasses.origin() + " origin executions for three independent nodes"));
      rows.set(rows.indexOf(independentPasses.row()), withNote(independentPasses.row(), "; against "
          + sharedPasses.origin() + " origin executions for the shared region"));
      notes.add(String.format(java.util.Locale.ROOT, "Sharing saved %d origin executions (%s of the independent "
              + "nodes' %d) for the same %d reads: the shared region executed the read %d times at the origin "
              + "(per pass %s), three independent nodes %d times (per pass %s); the ideal is %d (one fill per key).",
          saved, independentPasses.origin() == 0 ? "n/a"
              : String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * saved / independentPasses.origin()),
          independentPasses.origin(), (long) NODES * keys, sharedPasses.origin(), sharedPasses.perPass(),
          independentPasses.origin(), independentPasses.perPass(), keys));
    } else {
      notes.add("The saving of sharing is not stated: "
          + (sharedPasses == null || independentPasses == null ? "one of the two setups did not run"
              : "a setup's origin executions could not be counted") + ".");
    }
    notes.add("Fills are shared asynchronously: node 2's pass starts right after node 1's, so a key whose fill "
        + "had not reached node 2 yet is executed at the origin again and counted; the numbers are what happened.");
    notes.add("The propagation row is a wait, not a read: its ops/s is trials per second of the sequential trial "
        + "loop (prime, write, poll) and its \"vs direct\" compares with a direct read. The readers poll with a "
        + (POLL_PAUSE_NANOS / 1000) + " µs pause, so each number is at most one read (plus that pause) late.");
    params.put("nodes per setup", Integer.toString(NODES));
    return new ScenarioResult(name(), title(), description(), params, rows, true, notes);
  }

  /**
   * Reads one key (outside every measured range) on each node until the node answers it without
   * the origin. A node fetches the origin's catalog facts for a table on its first read of it and,
   * until they arrive (a few WAN round trips), sends reads of that table to the origin uncached
   * without looking at its cache; warming up measures the steady state instead of that start.
   */
  private static void warmUp(List<Endpoint> nodes, long key, Duration localAnswer, List<String> notes)
      throws SQLException, InterruptedException {
    for (int n = 0; n < nodes.size(); n++) {
      try (Connection c = nodes.get(n).connect(); PreparedStatement read = c.prepareStatement(Dataset.READ)) {
        read.setQueryTimeout(Drivers.QUERY_TIMEOUT_SECONDS);
        long deadline = System.nanoTime() + WARM_UP_LIMIT.toNanos();
        boolean local = false;
        while (!local && System.nanoTime() - deadline < 0) {
          long t0 = System.nanoTime();
          Drivers.readRow(read, key);
          local = System.nanoTime() - t0 < localAnswer.toNanos();
          if (!local) {
            Thread.sleep(50);
          }
        }
        if (!local) {
          notes.add("Node " + (n + 1) + " still sent the warm-up read to the origin after "
              + Durations.format(WARM_UP_LIMIT) + "; its first measured reads may have gone uncached.");
        }
      }
    }
  }

  private static Row withNote(Row row, String more) {
    return row instanceof Row.Measured m ? new Row.Measured(m.endpoint(), m.baseline(), m.result(), m.note() + more)
        : row;
  }

  /** What one setup did in the three passes. */
  private record Passes(Row row, long[] originPerPass) {
    boolean counted() {
      return originPerPass != null;
    }

    long origin() {
      long sum = 0;
      for (long n : originPerPass) {
        sum += n;
      }
      return sum;
    }

    String perPass() {
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < originPerPass.length; i++) {
        parts.add("node " + (i + 1) + ": " + originPerPass[i]);
      }
      return String.join(", ", parts);
    }
  }

  /** Reads keys {@code first..first+keys-1} on node 1, then node 2, then node 3, counting origin executions. */
  private Passes passes(String label, boolean baseline, List<Endpoint> nodes, long first, int keys,
      Availability<OriginCounter> counter, String note) throws SQLException {
    Histogram all = new Histogram(3);
    Map<String, Histogram> byNode = new LinkedHashMap<>();
    List<Connection> connections = new ArrayList<>();
    long errors = 0;
    String firstError = null;
    long[] origin = counter.isPresent() ? new long[nodes.size()] : null;
    String countError = null;
    long start;
    long end;
    try {
      List<PreparedStatement> reads = new ArrayList<>();
      for (Endpoint e : nodes) {
        Connection c = e.connect();
        connections.add(c);
        PreparedStatement read = c.prepareStatement(Dataset.READ);
        read.setQueryTimeout(Drivers.QUERY_TIMEOUT_SECONDS);
        reads.add(read);
      }
      start = System.nanoTime();
      for (int n = 0; n < nodes.size(); n++) {
        Histogram h = new Histogram(3);
        byNode.put((baseline ? "instance " : "node ") + (n + 1) + " read", h);
        Long before = null;
        if (origin != null && countError == null) {
          try {
            before = counter.value().calls(Dataset.READ_AS_NORMALIZED);
          } catch (SQLException e) {
            countError = Secrets.mask(String.valueOf(e.getMessage()));
          }
        }
        for (long key = first; key < first + keys; key++) {
          long t0 = System.nanoTime();
          try {
            Drivers.readRow(reads.get(n), key);
            long took = Math.max(1, System.nanoTime() - t0);
            all.recordValue(took);
            h.recordValue(took);
          } catch (SQLException e) {
            errors++;
            firstError = firstError == null ? Secrets.mask(String.valueOf(e.getMessage())) : firstError;
          }
        }
        if (before != null) {
          try {
            origin[n] = counter.value().calls(Dataset.READ_AS_NORMALIZED) - before;
          } catch (SQLException e) {
            countError = Secrets.mask(String.valueOf(e.getMessage()));
          }
        }
      }
      end = System.nanoTime();
    } catch (SQLException e) {
      return new Passes(new Row.Failed(label, "could not connect: " + Secrets.mask(String.valueOf(e.getMessage()))),
          null);
    } finally {
      for (Connection c : connections) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // closing a connection we are done with
        }
      }
    }
    if (countError != null) {
      origin = null;
    }
    log.info("region-sharing: {}: {} reads, {} failed, origin executions per pass {}", label, all.getTotalCount(),
        errors, origin == null ? "not counted" : java.util.Arrays.toString(origin));
    if (all.getTotalCount() == 0) {
      return new Passes(new Row.Failed(label, firstError == null ? "no read completed" : firstError), origin);
    }
    LoadResult result = new LoadResult("sequential reads: " + keys + " keys on node 1, then node 2, then node 3, "
        + "one connection per node", all, byNode, all.getTotalCount(), errors, 0, Math.max(0, end - start),
        firstError, false);
    StringBuilder text = new StringBuilder(note).append("; ");
    if (origin != null) {
      Passes counted = new Passes(null, origin);
      text.append("origin executions: ").append(counted.origin()).append(" for ").append(NODES).append("·")
          .append(keys).append(" = ").append((long) NODES * keys).append(" reads (ideal ").append(keys)
          .append("; per pass ").append(counted.perPass()).append(")");
    } else {
      text.append("origin executions not counted (")
          .append(countError != null ? countError : counter.reason()).append(")");
    }
    if (errors > 0) {
      text.append("; ").append(errors).append(" reads failed (first: ").append(firstError).append(")");
    }
    return new Passes(new Row.Measured(label, baseline, result, text.toString()), origin);
  }

  private Row propagation(List<Endpoint> nodes, Params p) throws InterruptedException {
    int trials = p.integer("trials");
    int warmup = p.integer("warmup-trials");
    Duration timeout = p.duration("timeout");
    long deadline = System.nanoTime() + p.duration("duration").toNanos();
    Histogram both = new Histogram(3);
    Histogram seen2 = new Histogram(3);
    Histogram seen3 = new Histogram(3);
    WriteThenReadTrials.Outcome outcome;
    try (Connection writer = nodes.get(0).connect(); Connection reader2 = nodes.get(1).connect();
        Connection reader3 = nodes.get(2).connect();
        PreparedStatement write = writer.prepareStatement(Dataset.FRESH_WRITE);
        PreparedStatement read2 = reader2.prepareStatement(Dataset.FRESH_READ);
        PreparedStatement read3 = reader3.prepareStatement(Dataset.FRESH_READ)) {
      write.setQueryTimeout(Drivers.QUERY_TIMEOUT_SECONDS);
      read2.setQueryTimeout(Drivers.QUERY_TIMEOUT_SECONDS);
      read3.setQueryTimeout(Drivers.QUERY_TIMEOUT_SECONDS);
      outcome = WriteThenReadTrials.run(warmup, trials, deadline, System.currentTimeMillis() * 1_000 + 500,
          (token, measured) -> {
            long[] waited = trial(write, read2, read3, token, timeout);
            if (measured) {
              seen2.recordValue(Math.max(1, waited[0]));
              seen3.recordValue(Math.max(1, waited[1]));
              both.recordValue(Math.max(1, Math.max(waited[0], waited[1])));
            }
          });
    } catch (SQLException e) {
      return new Row.Failed(PROPAGATION, "could not connect: " + Secrets.mask(String.valueOf(e.getMessage())));
    }
    long errors = outcome.errors();
    String firstError = outcome.firstError();
    log.info("region-sharing: propagation: {} trials seen, {} failed", both.getTotalCount(), errors);
    if (both.getTotalCount() == 0) {
      return new Row.Failed(PROPAGATION, firstError == null ? "no trial completed" : firstError);
    }
    LoadResult result = new LoadResult(both.getTotalCount() + errors + " sequential trials", both,
        Map.of("node 2 wait", seen2, "node 3 wait", seen3), both.getTotalCount(), errors, 0,
        outcome.measuredNanos(), firstError, false);
    String errorsNote = errors == 0 ? "" : "; " + errors + " trials were not seen on both nodes within "
        + Durations.format(timeout) + " (first: " + firstError + ")";
    return new Row.Measured(PROPAGATION, false, result, "writer on node 1, readers on nodes 2 and 3 (both primed); "
        + "time from the writer's commit until both nodes show the new value (the start of the first read "
        + "that showed it, polled on both nodes in parallel); per node in the \"waits\" rows"
        + errorsNote);
  }

  /**
   * Primes both readers, writes {@code token} on the writer's node, and returns for each reader the
   * nanoseconds from the commit until the start of its first read that showed the new value (that
   * read found the old entry gone; timing its start keeps the origin round trip of the miss that
   * follows out of the number). The readers poll in parallel, so one node's miss does not delay the
   * other's poll.
   */
  private static long[] trial(PreparedStatement write, PreparedStatement read2, PreparedStatement read3, long token,
      Duration timeout) throws SQLException, WriteThenReadTrials.StaleRead, InterruptedException {
    Drivers.readLong(read2);
    Drivers.readLong(read3);
    write.setLong(1, token);
    if (write.executeUpdate() != 1) {
      throw new SQLException("the freshness row is missing");
    }
    long committed = System.nanoTime();
    CompletableFuture<Long> node3 = CompletableFuture.supplyAsync(() -> {
      try {
        return poll(read3, token, committed, timeout, 3);
      } catch (SQLException | WriteThenReadTrials.StaleRead e) {
        throw new CompletionException(e);
      }
    });
    long node2 = poll(read2, token, committed, timeout, 2);
    try {
      return new long[] {node2, node3.get(timeout.toNanos() + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS)};
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException ce ? ce.getCause() : e.getCause();
      if (cause instanceof SQLException sql) {
        throw sql;
      }
      if (cause instanceof WriteThenReadTrials.StaleRead stale) {
        throw stale;
      }
      throw new SQLException("node 3's reader failed: " + cause, cause);
    } catch (java.util.concurrent.TimeoutException e) {
      node3.cancel(true);
      throw new WriteThenReadTrials.StaleRead("node 3's reader did not finish within " + Durations.format(timeout));
    }
  }

  private static long poll(PreparedStatement read, long token, long committed, Duration timeout, int node)
      throws SQLException, WriteThenReadTrials.StaleRead {
    while (true) {
      long started = System.nanoTime();
      long value = Drivers.readLong(read);
      if (value == token) {
        return Math.max(1, started - committed);
      }
      if (System.nanoTime() - committed > timeout.toNanos()) {
        throw new WriteThenReadTrials.StaleRead("node " + node + " still showed " + value + " instead of " + token
            + " after " + Durations.format(timeout));
      }
      LockSupport.parkNanos(POLL_PAUSE_NANOS);
    }
  }
}
