package dev.outpost.bench.scenario;

import dev.outpost.bench.lab.Availability;
import dev.outpost.bench.lab.Dataset;
import dev.outpost.bench.lab.Lab;
import dev.outpost.bench.load.LoadSpec;
import dev.outpost.bench.load.Worker;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What a proxy costs when it cannot help: cache off, origin on loopback, pgbench-style select-only
 * with prepared statements. Outpost versus direct versus any peer.
 */
public final class PassthroughOverheadScenario implements Scenario {

  @Override
  public String name() {
    return "passthrough-overhead";
  }

  @Override
  public String title() {
    return "Pass-through overhead: cache off, origin on loopback";
  }

  @Override
  public String description() {
    return "pgbench's select-only workload (`-S -M prepared`): clients on their own connections run a prepared "
        + "primary-key read on uniformly random keys, closed loop. Outpost runs with the cache off and the "
        + "origin on loopback, so every query goes through it to Postgres: the difference to direct is what "
        + "the extra hop costs.";
  }

  @Override
  public List<Param> parameters() {
    return List.of(
        new Param("clients", "4", "2", "concurrent clients, one connection each"),
        new Param("keys", "100000", "20000", "rows in the key/value table"),
        new Param("warmup", "5s", "2s", "warm-up time per endpoint (not recorded)"),
        new Param("duration", "30s", "5s", "measured time per endpoint"),
        Param.of("max-ops", "5000000", "upper bound on measured operations per endpoint"),
        Param.of("prepare-threshold", "1", "pgjdbc prepareThreshold (1: named server-side statements at once)"),
        new Param("rounds", "3", "1", "interleaved rounds the measurement is split into"));
  }

  @Override
  public ScenarioResult run(Lab lab, Params p) throws Exception {
    long keys = p.longValue("keys");
    lab.dataset(keys);
    LoadSpec spec = LoadSpec.closedLoop(p.integer("clients"), p.duration("warmup"), p.duration("duration"),
        p.longValue("max-ops"));
    Map<String, String> prepared = Map.of("prepareThreshold", p.string("prepare-threshold"));
    Comparison.DriverFactory selectOnly = e -> Drivers.dedicated(e, prepared, (c, index) -> {
      PreparedStatement ps = c.prepareStatement(Dataset.READ);
      SplittableRandom random = new SplittableRandom(index);
      return (Worker) seq -> {
        Drivers.readRow(ps, 1 + random.nextLong(keys));
        return null;
      };
    });
    List<Comparison.Entry> entries = new ArrayList<>();
    entries.add(new Comparison.Entry("direct", true, Availability.present(lab.directLocal()), selectOnly, null, ""));
    entries.add(new Comparison.Entry("outpost", false, lab.outpost(false, false), selectOnly, null, ""));
    for (Lab.Peer peer : lab.peers(false)) {
      entries.add(new Comparison.Entry(peer.label(), false, peer.endpoint(), selectOnly, null, ""));
    }
    List<Row> rows = Comparison.run(name(), entries, spec, p.integer("rounds"));
    return new ScenarioResult(name(), title(), description(), p.asMap(), rows, true,
        List.of());
  }
}
