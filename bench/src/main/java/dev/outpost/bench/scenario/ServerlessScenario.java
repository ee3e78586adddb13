package dev.outpost.bench.scenario;

import dev.outpost.bench.lab.Availability;
import dev.outpost.bench.lab.Dataset;
import dev.outpost.bench.lab.Endpoint;
import dev.outpost.bench.lab.Lab;
import dev.outpost.bench.load.LoadSpec;
import dev.outpost.bench.load.Worker;
import dev.outpost.bench.util.Durations;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connect, authenticate, run one query, disconnect: what a function at the edge does on every
 * invocation. Direct, each of those round trips crosses the WAN; through Outpost in the
 * application's region, only an uncached query does, once.
 */
public final class ServerlessScenario implements Scenario {
  /** The key every "hit" operation reads; misses use keys above {@link #FIRST_MISS_KEY}, each once. */
  private static final long HIT_KEY = 1;
  private static final long FIRST_MISS_KEY = 1_000;

  @Override
  public String name() {
    return "serverless";
  }

  @Override
  public String title() {
    return "Serverless: a new connection plus one query";
  }

  @Override
  public String description() {
    return "Each operation opens a new connection (TCP, startup, SCRAM-SHA-256 authentication), runs one "
        + "primary-key read and closes the connection; the latency is all of it, as a function at the edge "
        + "pays it on every invocation. Direct, every round trip crosses the emulated WAN to the origin. Through "
        + "Outpost (or PgBouncer) in the application's region, the connection is local and only the query "
        + "travels, over an already-open pooled connection. \"miss\" reads a different key every time; "
        + "\"hit\" reads the same key, which the cache has after the warm-up.";
  }

  @Override
  public List<Param> parameters() {
    return List.of(
        new Param("ops", "200", "20", "measured connect+query+close operations per endpoint"),
        new Param("warmup-ops", "10", "3", "warm-up operations per endpoint (not recorded)"),
        new Param("duration", "120s", "30s", "upper bound on the measured time per endpoint"),
        new Param("warmup", "30s", "10s", "upper bound on the warm-up time per endpoint"),
        new Param("clients", "1", "1", "concurrent clients"),
        new Param("rounds", "3", "1", "interleaved rounds the measurement is split into"),
        Param.of("keys", "20000", "rows in the key/value table"));
  }

  @Override
  public ScenarioResult run(Lab lab, Params p) throws Exception {
    long keys = p.longValue("keys");
    lab.dataset(keys);
    LoadSpec spec = new LoadSpec(p.integer("clients"), p.duration("warmup"), p.longValue("warmup-ops"),
        p.duration("duration"), p.longValue("ops"), 0);
    AtomicLong nextMiss = new AtomicLong(FIRST_MISS_KEY);
    // Unique keys, wrapping inside the table; a long run may repeat a key after (keys - 1000) reads.
    Comparison.DriverFactory misses = e -> connectPerOperation(e,
        seq -> FIRST_MISS_KEY + Math.floorMod(nextMiss.getAndIncrement() - FIRST_MISS_KEY, keys - FIRST_MISS_KEY));
    Comparison.DriverFactory hits = e -> connectPerOperation(e, seq -> HIT_KEY);

    List<Comparison.Entry> entries = new ArrayList<>();
    entries.add(new Comparison.Entry("direct", true, Availability.present(lab.directDistant()), misses, null, ""));
    Availability<Endpoint> cacheNode = lab.outpost(true, true);
    Availability<Endpoint> missNode = cacheNode.isPresent() ? cacheNode : lab.outpost(true, false);
    String missNote = cacheNode.isPresent() ? "" : "node runs with --cache off (cache not available: "
        + cacheNode.reason() + ")";
    entries.add(new Comparison.Entry("outpost (miss)", false, missNode, misses, null, missNote));
    entries.add(new Comparison.Entry("outpost (hit)", false, cacheNode, hits,
        new OriginHits(lab.originCounter(), Dataset.READ_AS_NORMALIZED, 1), ""));
    for (Lab.Peer peer : lab.peers(true)) {
      entries.add(new Comparison.Entry(peer.label(), false, peer.endpoint(), misses, null, ""));
    }
    List<Row> rows = Comparison.run(name(), entries, spec, p.integer("rounds"));
    return new ScenarioResult(name(), title(), description(), withWan(lab, p), rows, true, List.of(
        "No TLS anywhere (sslmode=disable): with TLS, every direct connection would pay one or two more "
            + "round trips across the WAN."));
  }

  static java.util.Map<String, String> withWan(Lab lab, Params p) {
    java.util.Map<String, String> m = p.asMap();
    m.put("WAN one-way delay", Durations.format(lab.config().wanDelay()));
    if (!lab.config().wanJitter().isZero()) {
      m.put("WAN jitter", "0.." + Durations.format(lab.config().wanJitter()));
    }
    return m;
  }

  @FunctionalInterface
  private interface KeyChooser {
    long key(long sequence);
  }

  /** Every operation: a new connection, one prepared read, close. Nothing is kept between operations. */
  private static Comparison.Driver connectPerOperation(Endpoint endpoint, KeyChooser keys) {
    return () -> index -> (Worker) seq -> {
      try (Connection c = endpoint.connect(); PreparedStatement read = c.prepareStatement(Dataset.READ)) {
        read.setQueryTimeout(Drivers.QUERY_TIMEOUT_SECONDS);
        Drivers.readRow(read, keys.key(seq));
      }
      return null;
    };
  }
}
