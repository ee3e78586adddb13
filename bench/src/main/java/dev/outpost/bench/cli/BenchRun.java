package dev.outpost.bench.cli;

import dev.outpost.bench.lab.Lab;
import dev.outpost.bench.report.MachineInfo;
import dev.outpost.bench.report.ReportWriter;
import dev.outpost.bench.report.RunReport;
import dev.outpost.bench.report.Summary;
import dev.outpost.bench.scenario.Params;
import dev.outpost.bench.scenario.Row;
import dev.outpost.bench.scenario.Scenario;
import dev.outpost.bench.scenario.ScenarioResult;
import dev.outpost.bench.scenario.Scenarios;
import dev.outpost.bench.util.Secrets;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs scenarios in one {@link Lab} and writes the results directory. */
final class BenchRun {
  private static final Logger log = LoggerFactory.getLogger(BenchRun.class);
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private BenchRun() {}

  static int execute(List<Scenario> scenarios, RunOptions o, List<String> args, PrintWriter out)
      throws IOException, InterruptedException {
    Map<String, String> overrides = o.overrides();
    // Resolve every scenario's parameters first, so a typo fails before anything starts.
    Map<Scenario, Params> params = new LinkedHashMap<>();
    for (Scenario s : scenarios) {
      params.put(s, Params.resolve(s.name(), s.parameters(), o.quick, overrides));
    }
    for (String key : overrides.keySet()) {
      int dot = key.indexOf('.');
      if (dot > 0 && Scenarios.named(key.substring(0, dot)).isEmpty()) {
        throw new IllegalArgumentException("--param " + key + ": no scenario '" + key.substring(0, dot)
            + "' (there are " + Scenarios.names() + ")");
      }
    }
    Instant started = Instant.now();
    String name = o.name != null ? o.name : STAMP.format(started) + (o.quick ? "-quick" : "");
    Path dir = o.out != null ? o.out : Path.of("bench", "results", name);
    Path work = Files.createTempDirectory("outpost-bench-");
    out.printf("outpost-bench: %d scenario(s) into %s (child logs in %s)%n", scenarios.size(), dir, work);
    out.flush();
    Map<String, String> machine = MachineInfo.describe();
    List<ScenarioResult> results = new ArrayList<>();
    Map<String, String> setup;
    Lab.Config config = new Lab.Config(o.origin, o.node.outpostJar, o.node.outpostJvmOptions, o.outpostUrls, o.peers,
        o.pgbouncer, o.pgpool, o.wanDelay, o.wanJitter, o.regionDelay, o.outpostPoolSize, o.cacheMaxAge, work);
    try (Lab lab = new Lab(config)) {
      // Ctrl-C must not leave nodes, poolers or the embedded origin running.
      Thread cleanup = new Thread(lab::close, "outpost-bench-cleanup");
      Runtime.getRuntime().addShutdownHook(cleanup);
      try {
        lab.origin(); // fail fast, before any scenario, when there is no origin
        for (Map.Entry<Scenario, Params> e : params.entrySet()) {
          results.add(runOne(lab, e.getKey(), e.getValue(), out));
        }
        setup = lab.facts();
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
          // the hook is already running and closes the lab
        }
      }
    } catch (java.sql.SQLException e) {
      throw new IOException("the origin is not usable: " + Secrets.mask(String.valueOf(e.getMessage())), e);
    }
    RunReport report = new RunReport(name, started, Instant.now(), commandLine(args), machine, setup, results);
    Path md = ReportWriter.write(report, dir);
    out.println();
    out.println(Summary.paragraph(report));
    out.println();
    out.println("report: " + md.toAbsolutePath());
    out.flush();
    return 0;
  }

  private static ScenarioResult runOne(Lab lab, Scenario s, Params p, PrintWriter out) throws InterruptedException {
    out.printf("== %s: %s%n", s.name(), s.title());
    out.flush();
    long start = System.nanoTime();
    ScenarioResult result;
    try {
      result = s.run(lab, p);
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      log.warn("scenario {} failed", s.name(), e);
      String reason = Secrets.mask(e.getClass().getSimpleName() + ": " + e.getMessage());
      result = new ScenarioResult(s.name(), s.title(), s.description(), p.asMap(),
          List.of(new Row.Failed("(scenario)", reason)), true, List.of());
    }
    out.printf("   done in %d s%n", (System.nanoTime() - start) / 1_000_000_000L);
    out.flush();
    return result;
  }

  /** The exact command, as someone would retype it; passwords masked. */
  static String commandLine(List<String> args) {
    StringBuilder b = new StringBuilder("java -jar bench/target/outpost-bench.jar");
    for (String a : args) {
      b.append(' ').append(a.isEmpty() || a.matches(".*[\\s\"'$&|;<>*?].*") ? "'" + a.replace("'", "'\\''") + "'" : a);
    }
    return Secrets.mask(b.toString());
  }
}
