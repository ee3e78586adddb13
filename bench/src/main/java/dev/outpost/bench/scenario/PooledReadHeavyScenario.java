package dev.outpost.bench.scenario;

import dev.outpost.bench.lab.Availability;
import dev.outpost.bench.lab.Dataset;
import dev.outpost.bench.lab.Endpoint;
import dev.outpost.bench.lab.Lab;
import dev.outpost.bench.load.LoadSpec;
import dev.outpost.bench.load.Worker;
import dev.outpost.bench.load.ZipfianKeys;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An application with a connection pool (HikariCP) in its own region, running a read-heavy mix of
 * point reads and updates over zipfian keys against the distant origin: throughput and latency.
 */
public final class PooledReadHeavyScenario implements Scenario {

  @Override
  public String name() {
    return "pooled-read-heavy";
  }

  @Override
  public String title() {
    return "Pooled read-heavy: an application pool over the WAN";
  }

  @Override
  public String description() {
    return "An application keeps a HikariCP pool and its clients run a mix of primary-key reads and "
        + "single-row updates (`n = n + 1`) on zipfian keys (a few keys hot, most cold), as most web "
        + "applications do. Direct, the pool's connections go across the emulated WAN, so every statement "
        + "costs a round trip. Through Outpost in the application's region, reads the cache holds are "
        + "answered locally and the rest cost one round trip on a warm origin connection. Closed loop "
        + "(each client starts its next statement when the last one ends) unless a rate is set, in which "
        + "case statements are scheduled at that rate and latency counts from the scheduled time.";
  }

  @Override
  public List<Param> parameters() {
    return List.of(
        new Param("clients", "16", "8", "concurrent application threads"),
        new Param("pool-size", "16", "8", "HikariCP maximumPoolSize (and minimumIdle)"),
        Param.of("read-ratio", "0.95", "share of operations that are reads (the rest are updates)"),
        new Param("keys", "100000", "20000", "rows in the key/value table"),
        Param.of("zipf-exponent", "0.99", "skew of the key popularity (YCSB's default)"),
        new Param("warmup", "10s", "3s", "warm-up time per endpoint (not recorded)"),
        new Param("duration", "60s", "8s", "measured time per endpoint"),
        Param.of("max-ops", "2000000", "upper bound on measured operations per endpoint"),
        Param.of("rate", "0", "0 for a closed loop, else the scheduled operations per second (open loop)"),
        new Param("rounds", "3", "1", "interleaved rounds the measurement is split into"));
  }

  @Override
  public ScenarioResult run(Lab lab, Params p) throws Exception {
    long keys = p.longValue("keys");
    lab.dataset(keys);
    double readRatio = p.decimal("read-ratio");
    if (readRatio < 0 || readRatio > 1) {
      throw new IllegalArgumentException("read-ratio must be within 0..1: " + readRatio);
    }
    ZipfianKeys zipf = new ZipfianKeys(keys, p.decimal("zipf-exponent"));
    int poolSize = p.integer("pool-size");
    LoadSpec spec = new LoadSpec(p.integer("clients"), p.duration("warmup"), Long.MAX_VALUE, p.duration("duration"),
        p.longValue("max-ops"), p.decimal("rate"));
    Comparison.DriverFactory mix = e -> Drivers.pooled(e, poolSize, (pool, index) -> {
      SplittableRandom random = new SplittableRandom(0x5EED + index);
      return (Worker) seq -> {
        boolean read = random.nextDouble() < readRatio;
        long key = zipf.next(random);
        try (Connection c = pool.getConnection();
            PreparedStatement ps = c.prepareStatement(read ? Dataset.READ : Dataset.WRITE)) {
          // A statement stuck on a lock is cancelled at the server instead of holding a client forever.
          ps.setQueryTimeout(Drivers.QUERY_TIMEOUT_SECONDS);
          if (read) {
            Drivers.readRow(ps, key);
          } else {
            ps.setLong(1, key);
            ps.executeUpdate();
          }
        }
        return read ? "read" : "write";
      };
    });

    List<Comparison.Entry> entries = new ArrayList<>();
    entries.add(new Comparison.Entry("direct", true, Availability.present(lab.directDistant()), mix, null, ""));
    Availability<Endpoint> cacheNode = lab.outpost(true, true);
    Availability<Endpoint> node = cacheNode.isPresent() ? cacheNode : lab.outpost(true, false);
    entries.add(new Comparison.Entry("outpost", false, node, mix,
        new OriginReads(lab.originCounter(), Dataset.READ_AS_NORMALIZED, "read"), cacheNode.isPresent() ? ""
        : "cache not available (" + cacheNode.reason() + "): pooling only"));
    for (Lab.Peer peer : lab.peers(true)) {
      entries.add(new Comparison.Entry(peer.label(), false, peer.endpoint(), mix, null, ""));
    }
    List<Row> rows = Comparison.run(name(), entries, spec, p.integer("rounds"));
    return new ScenarioResult(name(), title(), description(), ServerlessScenario.withWan(lab, p), rows, true,
        List.of("Latency per operation includes borrowing a connection from the application's pool.",
            "Outpost invalidates by table: every committed update of `outpost_bench_kv` removes the cached reads "
                + "of that table in every node, so the share of reads the cache can answer falls as the update "
                + "rate rises (the note on the outpost row says how many reads reached the origin). "
                + "`--param pooled-read-heavy.read-ratio=1.0` shows the read-only case."));
  }
}
