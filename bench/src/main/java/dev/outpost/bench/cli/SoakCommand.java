package dev.outpost.bench.cli;

import dev.outpost.bench.BenchMain;
import dev.outpost.bench.soak.Soak;
import dev.outpost.bench.soak.SoakSettings;
import dev.outpost.bench.soak.SoakTally;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code outpost-bench soak}: clients work through a node while the origin's backends are terminated
 * and the origin restarts; exit 0 when the verdict is "passed", 3 when the soak found a problem.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = {"Runs clients through an Outpost node (or a region of nodes) while origin backends are terminated and the (embedded) "
        + "origin restarts, and checks that no read is stale, no error is unexpected, nothing hangs, and the node "
        + "serves again afterwards. Exit code 3 when it found a problem.",
        "Example: java -jar bench/target/outpost-bench.jar soak --duration 2m"})
public final class SoakCommand implements Callable<Integer> {
  /** The exit code of a soak that found a problem (1 and 2 are the bench's usual failures). */
  public static final int FOUND_A_PROBLEM = 3;
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss").withZone(ZoneOffset.UTC);

  @Spec
  CommandSpec spec;

  @Option(names = "--duration", defaultValue = "60s", converter = Converters.DurationConverter.class,
      description = "how long the clients run under faults, at most 24h (default ${DEFAULT-VALUE})")
  Duration duration;

  @Option(names = "--clients", defaultValue = "16", description = "client connections (default ${DEFAULT-VALUE})")
  int clients;

  @Option(names = "--nodes", defaultValue = "1", description = "Outpost nodes, 1 to 6; more than one form a region "
      + "(JGroups on loopback) and the clients are spread over them (default ${DEFAULT-VALUE})")
  int nodes;

  @Option(names = "--regions", defaultValue = "1", description = "regions the nodes are split into, 1 to 3 (node i "
      + "in region i %% regions), bridged by JGroups RELAY on loopback (default ${DEFAULT-VALUE})")
  int regions;

  @Option(names = "--direct-writers", defaultValue = "0", description = "more clients that write straight to the "
      + "origin, bypassing Outpost; turns on the nodes' change feed, through which alone they learn of those writes "
      + "(default ${DEFAULT-VALUE})")
  int directWriters;

  @Option(names = "--change-feed-bound", defaultValue = "10s", converter = Converters.DurationConverter.class,
      description = "with --direct-writers: a read through any node must show every commit made straight to the "
          + "origin this long before it began (default ${DEFAULT-VALUE})")
  Duration changeFeedBound;

  @Option(names = "--propagation-bound", defaultValue = "1s", converter = Converters.DurationConverter.class,
      description = "with several nodes: a read through one node must show every commit acknowledged through "
          + "another this long before it began (default ${DEFAULT-VALUE})")
  Duration propagationBound;

  @Option(names = "--pool-size", defaultValue = "4", description = "--pool-size of each node (default ${DEFAULT-VALUE})")
  int poolSize;

  @Option(names = "--pool-mode", defaultValue = "transaction",
      description = "--pool-mode of the node: transaction or session (default ${DEFAULT-VALUE})")
  String poolMode;

  @Option(names = "--cache", defaultValue = "on", description = "--cache of the node: on or off (default ${DEFAULT-VALUE})")
  String cache;

  @Option(names = "--terminate-every", defaultValue = "125ms", converter = Converters.DurationConverter.class,
      description = "mean time between two pg_terminate_backend of a random backend of the application role; "
          + "0 for none (default ${DEFAULT-VALUE})")
  Duration terminateEvery;

  @Option(names = "--restart-every", defaultValue = "15s", converter = Converters.DurationConverter.class,
      description = "time between two restarts of the origin; 0 for none (default ${DEFAULT-VALUE})")
  Duration restartEvery;

  @Option(names = "--node-restart-every", defaultValue = "0", converter = Converters.DurationConverter.class,
      description = "time between two restarts of an Outpost node, the nodes in turn (SIGTERM, down for --down-for, "
          + "started again on the same port: a rolling deploy); 0 for none (default ${DEFAULT-VALUE})")
  Duration nodeRestartEvery;

  @Option(names = "--down-for", defaultValue = "2s", converter = Converters.DurationConverter.class,
      description = "how long the origin, or a node, stays down at a restart (default ${DEFAULT-VALUE})")
  Duration downFor;

  @Option(names = "--operation-bound", defaultValue = "10s", converter = Converters.DurationConverter.class,
      description = "an operation that takes longer counts as hung (default ${DEFAULT-VALUE}: on loopback every "
          + "operation, failed or not, ends within a second or two; one that waits out the node's 15s acquire "
          + "timeout was left waiting)")
  Duration operationBound;

  @Option(names = "--wan-delay", defaultValue = "0", converter = Converters.DurationConverter.class,
      description = "one-way delay of an emulated WAN between the node and the origin, as a distant origin "
          + "behind a relay: while the origin is down the relay accepts and then closes (default ${DEFAULT-VALUE}: "
          + "none)")
  Duration wanDelay;

  @Option(names = "--seed", defaultValue = "1", description = "seed of the clients' random choices (default ${DEFAULT-VALUE})")
  long seed;

  @Mixin
  NodeLaunchOptions node;

  @Option(names = "--outpost-flag", description = "one more flag of `outpost serve`, e.g. "
      + "--outpost-flag=--cache-max-age=5s (repeatable)")
  List<String> outpostFlags = new ArrayList<>();

  @Option(names = "--out", description = "where soak.md and the node's log go (default bench/results/soak-<timestamp>)")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (!cache.equals("on") && !cache.equals("off")) {
      throw new IllegalArgumentException("--cache must be on or off, not " + cache);
    }
    Path dir = out != null ? out : Path.of("bench", "results", "soak-" + STAMP.format(Instant.now()));
    SoakSettings settings = new SoakSettings(duration, clients, nodes, regions, directWriters, changeFeedBound,
        propagationBound, poolSize, poolMode, cache.equals("on"), terminateEvery, restartEvery, nodeRestartEvery, downFor,
        operationBound, wanDelay, seed, node.outpostJar, node.outpostJvmOptions, outpostFlags, dir);
    PrintWriter printer = spec.commandLine().getOut();
    List<String> command = new ArrayList<>(List.of("outpost-bench"));
    command.addAll(((BenchMain) spec.parent().userObject()).args());
    SoakTally tally = Soak.run(settings, command, printer);
    return tally.passed() ? 0 : FOUND_A_PROBLEM;
  }
}
