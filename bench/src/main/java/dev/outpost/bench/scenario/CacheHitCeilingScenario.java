package dev.outpost.bench.scenario;

import dev.outpost.bench.lab.Availability;
import dev.outpost.bench.lab.Dataset;
import dev.outpost.bench.lab.Lab;
import dev.outpost.bench.load.LoadSpec;
import dev.outpost.bench.load.Worker;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How fast a cache hit can be: a hot set held in Outpost's cache, the origin on loopback, compared
 * with the fastest thing Postgres itself can answer ({@code SELECT 1}) on the same machine.
 */
public final class CacheHitCeilingScenario implements Scenario {

  @Override
  public String name() {
    return "cache-hit-ceiling";
  }

  @Override
  public String title() {
    return "Cache-hit ceiling: hits versus SELECT 1";
  }

  @Override
  public String description() {
    return "Clients on their own connections read a small hot set of keys as fast as they can (closed loop). "
        + "Through Outpost every read after the warm-up is a cache hit; no WAN is involved, the origin is on "
        + "loopback. The floor is `SELECT 1` sent straight to Postgres on loopback: the cheapest round trip "
        + "Postgres has. \"direct\" runs the same read straight against Postgres for reference.";
  }

  @Override
  public List<Param> parameters() {
    return List.of(
        new Param("clients", "4", "2", "concurrent clients, one connection each"),
        new Param("hot-keys", "100", "50", "distinct keys read (all fit in the cache)"),
        new Param("warmup", "5s", "2s", "warm-up time per endpoint (not recorded; fills the cache)"),
        new Param("duration", "30s", "5s", "measured time per endpoint"),
        Param.of("max-ops", "5000000", "upper bound on measured operations per endpoint"),
        new Param("rounds", "3", "1", "interleaved rounds the measurement is split into"));
  }

  @Override
  public ScenarioResult run(Lab lab, Params p) throws Exception {
    long hot = p.longValue("hot-keys");
    lab.dataset(hot);
    LoadSpec spec = LoadSpec.closedLoop(p.integer("clients"), p.duration("warmup"), p.duration("duration"),
        p.longValue("max-ops"));
    Map<String, String> prepared = Map.of("prepareThreshold", "1");
    Comparison.DriverFactory selectOne = e -> Drivers.dedicated(e, prepared, (c, index) -> {
      PreparedStatement ps = c.prepareStatement(Dataset.SELECT_ONE);
      return seq -> {
        Drivers.readLong(ps);
        return null;
      };
    });
    Comparison.DriverFactory hotReads = e -> Drivers.dedicated(e, prepared, (c, index) -> {
      PreparedStatement ps = c.prepareStatement(Dataset.READ);
      SplittableRandom random = new SplittableRandom(index);
      return (Worker) seq -> {
        Drivers.readRow(ps, 1 + random.nextLong(hot));
        return null;
      };
    });
    List<Comparison.Entry> entries = List.of(
        new Comparison.Entry("direct SELECT 1 (floor)", true, Availability.present(lab.directLocal()), selectOne,
            null, "the cheapest query Postgres answers, on loopback"),
        new Comparison.Entry("direct", false, Availability.present(lab.directLocal()), hotReads, null,
            "the same hot reads straight against Postgres"),
        new Comparison.Entry("outpost (hit)", false, lab.outpost(false, true), hotReads,
            new OriginHits(lab.originCounter(), Dataset.READ_AS_NORMALIZED, hot), ""));
    List<Row> rows = Comparison.run(name(), entries, spec, p.integer("rounds"));
    return new ScenarioResult(name(), title(), description(), p.asMap(), rows, true,
        List.of("Prepared statements (pgjdbc prepareThreshold=1): the statement is parsed once per connection."));
  }
}
