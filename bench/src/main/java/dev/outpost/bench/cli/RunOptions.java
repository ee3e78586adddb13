package dev.outpost.bench.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options shared by {@code all} and {@code run}: where to measure, what with, how long. */
public final class RunOptions {

  @Option(names = "--quick", description = "short durations: every scenario in seconds, all in a few minutes")
  boolean quick;

  @Option(names = "--out", description = "results directory (default bench/results/<name>)")
  Path out;

  @Option(names = "--name", description = "name of the run (default: a timestamp)")
  String name;

  @Option(names = "--origin", description = "an existing Postgres, postgresql://user:password@host:port/db "
      + "(default: start an embedded one)")
  String origin;

  @Mixin
  NodeLaunchOptions node;

  @Option(names = "--outpost-url", description = "use this running node instead of starting any (repeat: "
      + "the second is region b for freshness; region-sharing takes three nodes of one region)")
  List<String> outpostUrls = new ArrayList<>();

  @Option(names = "--outpost-pool-size", defaultValue = "20", description = "--pool-size of started nodes "
      + "(default ${DEFAULT-VALUE}, as PgBouncer's)")
  int outpostPoolSize;

  @Option(names = "--cache-max-age", defaultValue = "60s", description = "--cache-max-age of started cache nodes; "
      + "empty to omit the flag (default ${DEFAULT-VALUE})")
  String cacheMaxAge;

  @Option(names = "--peer", description = "another endpoint to measure, NAME=postgresql://… (repeatable)")
  Map<String, String> peers = new LinkedHashMap<>();

  @Option(names = "--pgbouncer", defaultValue = "off", description = "off, auto (start /usr/sbin/pgbouncer) "
      + "or the path of a pgbouncer binary to start (default ${DEFAULT-VALUE})")
  String pgbouncer;

  @Option(names = "--pgpool", defaultValue = "off", description = "off, auto (start /usr/sbin/pgpool) "
      + "or the path of a pgpool binary to start (default ${DEFAULT-VALUE})")
  String pgpool;

  @Option(names = "--wan-delay", defaultValue = "25ms", converter = Converters.DurationConverter.class,
      description = "one-way delay between the application's region and the origin (default ${DEFAULT-VALUE})")
  Duration wanDelay;

  @Option(names = "--wan-jitter", defaultValue = "0ms", converter = Converters.DurationConverter.class,
      description = "jitter bound on that link (default ${DEFAULT-VALUE})")
  Duration wanJitter;

  @Option(names = "--region-delay", defaultValue = "40ms", converter = Converters.DurationConverter.class,
      description = "one-way delay between two Outpost regions (default ${DEFAULT-VALUE})")
  Duration regionDelay;

  @Option(names = "--duration", description = "measured time of every scenario that has one (overrides presets)")
  String duration;

  @Option(names = "--warmup", description = "warm-up time of every scenario that has one (overrides presets)")
  String warmup;

  @Option(names = "--rounds", description = "interleaved rounds of every scenario that has them")
  Integer rounds;

  @Option(names = "--param", description = "SCENARIO.KEY=VALUE, e.g. pooled-read-heavy.read-ratio=0.9 "
      + "(`outpost-bench list` shows them)")
  Map<String, String> params = new LinkedHashMap<>();

  /** Global overrides first, then the per-scenario ones, as {@code Params.resolve} takes them. */
  Map<String, String> overrides() {
    Map<String, String> o = new LinkedHashMap<>();
    if (duration != null) {
      o.put("duration", duration);
    }
    if (warmup != null) {
      o.put("warmup", warmup);
    }
    if (rounds != null) {
      o.put("rounds", rounds.toString());
    }
    o.putAll(params);
    return o;
  }
}
