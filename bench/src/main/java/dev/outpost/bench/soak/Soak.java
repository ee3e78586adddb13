package dev.outpost.bench.soak;

import dev.outpost.bench.lab.Availability;
import dev.outpost.bench.lab.EmbeddedOrigin;
import dev.outpost.bench.lab.OutpostNode;
import dev.outpost.bench.lab.PgAddress;
import dev.outpost.bench.lab.Ports;
import dev.outpost.bench.util.Durations;
import dev.outpost.wan.WanEmulator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * A soak: an embedded origin, one Outpost node (or a region of them) in front of it, and application
 * clients working through the nodes while the origin's backends are terminated at random and the origin is restarted
 * — then the verdict: no stale read, no unexpected error, no hung operation, every client finished,
 * and the node serves again once the faults stop.
 *
 * <p>The origin is always embedded: the soak terminates backends and restarts the server, which it
 * must not do to a database it did not start.
 */
public final class Soak {
  /** How long the node has, after the faults stop, to serve every client again. */
  private static final Duration RECOVERY = Duration.ofSeconds(60);
  /** Beyond its down time, how long a restarted node (or the origin it needs) has to serve again. */
  private static final Duration RESTART_GRACE = Duration.ofSeconds(30);
  /**
   * Log lines of the node that mean it lost its footing, whatever the clients saw: a line logged at
   * level ERROR (not one that quotes an origin's "ERROR 57014 …" at INFO), and these texts.
   */
  private static final String ERROR_LEVEL = "ERROR";
  private static final List<String> NODE_LOG_ALARMS = List.of("lost track of the protocol state",
      "reached at the tail of the pipeline", "LEAK:", "OutOfMemoryError", "A task raised an exception");

  private final SoakSettings settings;
  private final Consumer<String> progress;
  private final SoakTally tally = new SoakTally();
  private final Map<String, String> facts = new LinkedHashMap<>();

  private Soak(SoakSettings settings, Consumer<String> progress) {
    this.settings = settings;
    this.progress = progress;
  }

  /** Runs a soak and writes {@code soak.md} into the settings' output directory. */
  public static SoakTally run(SoakSettings settings, List<String> command, PrintWriter out)
      throws IOException, SQLException, InterruptedException {
    Soak soak = new Soak(settings, line -> {
      out.println(line);
      out.flush();
    });
    Instant started = Instant.now();
    soak.execute();
    Path report = SoakReport.write(settings, command, soak.facts, soak.tally, started, Instant.now());
    out.println((soak.tally.passed() ? "soak passed" : "soak FAILED") + ": " + report);
    soak.tally.problems().forEach(p -> out.println("  problem: " + p));
    out.flush();
    return soak.tally;
  }

  private void execute() throws IOException, SQLException, InterruptedException {
    Files.createDirectories(settings.out());
    progress.accept("starting an embedded origin");
    try (EmbeddedOrigin origin = EmbeddedOrigin.start(settings.directWriters() > 0)) {
      facts.put("Postgres", serverVersion(origin));
      prepareTables(origin);
      WanEmulator wan = null;
      PgAddress nodeOrigin = origin.address();
      if (!settings.wanDelay().isZero()) {
        wan = WanEmulator.builder().listen("127.0.0.1", 0).target("127.0.0.1", origin.address().port())
            .delay(settings.wanDelay()).start();
        nodeOrigin = origin.address().at(wan.host(), wan.port());
        facts.put("WAN", "node → origin through an emulated WAN, " + Durations.format(settings.wanDelay())
            + " each way");
      }
      try {
        soakThrough(origin, nodeOrigin);
      } finally {
        if (wan != null) {
          wan.close();
        }
      }
    }
  }

  private void soakThrough(EmbeddedOrigin origin, PgAddress nodeOrigin) throws IOException, InterruptedException {
    List<OutpostNode> nodes = new ArrayList<>();
    try {
      startNodes(nodeOrigin, nodes);
      progress.accept((nodes.size() == 1 ? "node ready on " : nodes.size() + " nodes in " + settings.regions()
          + " region(s) ready on ")
          + String.join(", ", nodes.stream().map(n -> n.address().host() + ":" + n.address().port()).toList()) + "; "
          + settings.clients() + " clients for " + Durations.format(settings.duration()));
      List<SoakClient> clients = soak(origin, nodes);
      checkRecovery(clients);
      for (OutpostNode node : nodes) {
        if (!node.isAlive()) {
          tally.problem("the process of node " + node.spec().name() + " ended during the soak (see " + node.logFile()
              + ")");
        }
        scanNodeLog(node);
      }
    } finally {
      nodes.forEach(OutpostNode::close);
    }
  }

  /**
   * Starts the node, or the nodes of the regions (JGroups over loopback, static peers; node i in
   * region i % regions, the regions bridged by RELAY), into {@code started} (which the caller
   * closes, also when a later one fails to start). With direct writers every node runs the change
   * feed.
   */
  private void startNodes(PgAddress nodeOrigin, List<OutpostNode> started) throws IOException, InterruptedException {
    int n = settings.nodes();
    int regions = settings.regions();
    List<String> clusterBinds = new ArrayList<>();
    List<String> relayBinds = new ArrayList<>();
    for (int i = 0; i < n && n > 1; i++) {
      clusterBinds.add("127.0.0.1:" + Ports.freeLoopbackPort());
      relayBinds.add("127.0.0.1:" + Ports.freeLoopbackPort());
    }
    List<String> flags = new ArrayList<>(settings.outpostFlags());
    if (settings.directWriters() > 0) {
      flags.addAll(List.of("--change-feed", "on"));
    }
    for (int i = 0; i < n; i++) {
      OutpostNode.Cluster cluster = null;
      if (n > 1) {
        int region = i % regions;
        List<String> peers = new ArrayList<>();
        List<String> relayPeers = new ArrayList<>();
        for (int k = 0; k < n; k++) {
          if (k % regions == region) {
            peers.add(clusterBinds.get(k));
          } else {
            relayPeers.add(relayBinds.get(k));
          }
        }
        cluster = regions == 1 ? OutpostNode.Cluster.regionOnly("soak", clusterBinds.get(i), String.join(",", peers))
            : new OutpostNode.Cluster(regionName(region), clusterBinds.get(i), String.join(",", peers),
                relayBinds.get(i), null, String.join(",", relayPeers));
      }
      String name = n == 1 ? "soak" : "soak-" + (i + 1);
      OutpostNode.Spec spec = new OutpostNode.Spec(name, nodeOrigin, settings.poolSize(), settings.cache(),
          null, cluster, settings.poolMode(), flags);
      Availability<OutpostNode> node = OutpostNode.start(settings.outpostJar(), settings.outpostJvmOptions(), spec,
          settings.out());
      if (!node.isPresent()) {
        throw new IOException("the Outpost node " + name + " did not start: " + node.reason());
      }
      started.add(node.value());
      String label = n == 1 ? "node" : "node " + (i + 1);
      facts.put(label, node.value().printableCommand());
      facts.put(label + " log", node.value().logFile().toString());
    }
    if (n > 1) {
      facts.put("region", n + " nodes" + (regions == 1 ? "" : " in " + regions + " regions (node i in region "
          + String.join("/", IntStream.range(0, regions).mapToObj(Soak::regionName).toList())
          + "[i % " + regions + "], bridged by RELAY)") + ", client i through node i % " + n + "; a read through another"
          + " node than the write's must show commits acknowledged " + Durations.format(settings.propagationBound())
          + " before it");
    }
  }

  private static String regionName(int region) {
    return "soak-" + (char) ('a' + region);
  }

  /** Runs the clients under the faults; returns them, finished. */
  private List<SoakClient> soak(EmbeddedOrigin origin, List<OutpostNode> nodes) throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    SoakLayout layout = new SoakLayout(nodes.size(), settings.clients(), settings.directWriters(),
        settings.propagationBound(), settings.changeFeedBound());
    CommitHistory history = new CommitHistory(layout.clients());
    ScheduledExecutorService cancels = Executors.newScheduledThreadPool(2, daemon("soak-cancel"));
    ExecutorService clients = Executors.newFixedThreadPool(layout.clients(), daemon("soak-client"));
    ExecutorService faults = Executors.newFixedThreadPool(3, daemon("soak-faults"));
    List<SoakClient> all = new ArrayList<>();
    List<Future<?>> running = new ArrayList<>();
    try {
      for (int i = 0; i < layout.clients(); i++) {
        PgAddress at = layout.isDirect(i) ? origin.address() : nodes.get(layout.node(i)).address();
        SoakClient c = new SoakClient(i, at.jdbcUrl(), at.user(), at.password(), origin.address(), tally, history,
            layout, stop, cancels, settings.operationBound(), settings.seed());
        all.add(c);
        running.add(clients.submit(c));
      }
      Future<?> terminator = settings.terminateEvery().isZero() ? null
          : faults.submit(() -> terminateBackends(origin, stop));
      Future<?> restarter = settings.restartEvery().isZero() ? null : faults.submit(() -> restartOrigin(origin, stop));
      Future<?> nodeRestarter = settings.nodeRestartEvery().isZero() ? null
          : faults.submit(() -> restartNodes(nodes, stop));
      long end = System.nanoTime() + settings.duration().toNanos();
      long began = System.nanoTime();
      while (System.nanoTime() < end) {
        Thread.sleep(Math.min(5_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        progress.accept(String.format("  %3ds: %,d operations, %,d errors, %,d freshness checks, %d stale or wrong, "
                + "%,d backends terminated, %d restarts%s", (System.nanoTime() - began) / 1_000_000_000L,
            tally.operations(), tally.errors(), tally.freshnessChecks(), tally.staleReads() + tally.wrongAnswers(),
            tally.terminations(), tally.restarts(),
            settings.nodeRestartEvery().isZero() ? "" : ", " + tally.nodeRestarts() + " node restarts"));
      }
      stop.set(true);
      Duration restartBound = settings.downFor().plusSeconds(90);
      awaitFault(terminator, "the backend terminator", restartBound);
      awaitFault(restarter, "the origin restarter", restartBound);
      // a node restart: up to 10 s for SIGTERM, its start (90 s at most) and the grace after it
      awaitFault(nodeRestarter, "the node restarter", restartBound.plusSeconds(10).plus(RESTART_GRACE));
      long deadline = System.nanoTime() + settings.operationBound().plusSeconds(60).toNanos();
      for (int i = 0; i < running.size(); i++) {
        try {
          running.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          tally.problem("client " + i + " (" + all.get(i).queryMode() + ") did not finish its operation "
              + Durations.format(Duration.ofNanos(System.nanoTime() - all.get(i).lastProgressNanos()))
              + " after its last progress");
        } catch (ExecutionException e) {
          tally.problem("client " + i + " stopped with " + e.getCause());
        }
      }
    } finally {
      stop.set(true);
      clients.shutdownNow();
      faults.shutdownNow();
      cancels.shutdownNow();
    }
    return all;
  }

  private void awaitFault(Future<?> fault, String what, Duration bound) throws InterruptedException {
    if (fault == null) {
      return;
    }
    try {
      fault.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      tally.problem(what + " did not stop (the soak's own fault, not the node's)");
    } catch (ExecutionException e) {
      tally.problem(what + " failed: " + e.getCause());
    }
  }

  /** Terminates one random backend of the application role (pool or catalog) at a time. */
  private Void terminateBackends(EmbeddedOrigin origin, AtomicBoolean stop) throws InterruptedException {
    Random random = new Random(settings.seed());
    long mean = settings.terminateEvery().toMillis();
    String kill = "SELECT count(pg_terminate_backend(pid)) FROM (SELECT pid FROM pg_stat_activity"
        + " WHERE usename = '" + EmbeddedOrigin.USER + "' AND backend_type = 'client backend'"
        + " ORDER BY random() LIMIT 1) chosen";
    while (!stop.get()) {
      try (Connection c = DriverManager.getConnection(origin.superJdbcUrl()); Statement s = c.createStatement()) {
        while (!stop.get()) {
          Thread.sleep(mean * 4 / 10 + (long) (random.nextDouble() * mean * 12 / 10));
          try (ResultSet rs = s.executeQuery(kill)) {
            rs.next();
            tally.terminated(rs.getInt(1));
          }
        }
      } catch (SQLException e) {
        Thread.sleep(200); // the origin is restarting
      }
    }
    return null;
  }

  /** A fault injected again and again. */
  private interface Fault {
    void inject() throws IOException, InterruptedException;
  }

  /**
   * Injects {@code fault} every {@code period} until {@code stop}; the period counts from the end
   * of the previous injection (a restart takes its time), and an injection under way is finished.
   */
  private static Void every(Duration period, AtomicBoolean stop, Fault fault) throws IOException, InterruptedException {
    long next = System.currentTimeMillis() + period.toMillis();
    while (!stop.get()) {
      Thread.sleep(Math.min(200, Math.max(1, next - System.currentTimeMillis())));
      if (!stop.get() && System.currentTimeMillis() >= next) {
        fault.inject();
        next = System.currentTimeMillis() + period.toMillis();
      }
    }
    return null;
  }

  private Void restartOrigin(EmbeddedOrigin origin, AtomicBoolean stop) throws IOException, InterruptedException {
    return every(settings.restartEvery(), stop, () -> {
      origin.restart(settings.downFor());
      tally.restarted();
      progress.accept("  origin restarted (down " + Durations.format(settings.downFor()) + ")");
    });
  }

  /**
   * Restarts the nodes in turn, one every {@code --node-restart-every}, as a rolling deploy would;
   * a node that does not serve again is a problem of the run.
   */
  private Void restartNodes(List<OutpostNode> nodes, AtomicBoolean stop) throws IOException, InterruptedException {
    int[] turn = {0};
    return every(settings.nodeRestartEvery(), stop, () -> {
      OutpostNode node = nodes.get(turn[0]++ % nodes.size());
      String failure = node.restart(settings.downFor());
      // the origin may be down for its own restart just then: give it the time it needs to return
      long until = System.nanoTime() + settings.downFor().plus(RESTART_GRACE).toNanos();
      while (failure != null && node.isAlive() && System.nanoTime() - until < 0) {
        Thread.sleep(250);
        failure = node.probe();
      }
      tally.nodeRestarted();
      if (failure != null) {
        tally.problem("node " + node.spec().name() + " did not serve again after its restart: " + failure);
      }
      progress.accept("  node " + node.spec().name() + " restarted (down " + Durations.format(settings.downFor()) + ")"
          + (failure == null ? "" : ": " + failure));
    });
  }

  /**
   * With the faults stopped, every client's read-your-writes on a new connection succeeds within
   * {@link #RECOVERY}: the node serves again without being restarted.
   */
  private void checkRecovery(List<SoakClient> clients) throws InterruptedException {
    long deadline = System.nanoTime() + RECOVERY.toNanos();
    for (SoakClient client : clients) {
      while (true) {
        try {
          client.readYourWriteOnNewConnection();
          break;
        } catch (SQLException e) {
          if (System.nanoTime() > deadline) {
            tally.problem("the node did not serve again within " + Durations.format(RECOVERY)
                + " after the faults stopped: " + e.getSQLState() + " " + e.getMessage());
            return;
          }
          Thread.sleep(250);
        }
      }
    }
    facts.put("after the faults", "read-your-writes on all " + clients.size()
        + " client rows through new connections: served");
  }

  private void scanNodeLog(OutpostNode node) throws IOException {
    Path log = node.logFile();
    if (!Files.isRegularFile(log)) {
      return;
    }
    Map<String, Integer> alarms = new LinkedHashMap<>();
    List<String> examples = new ArrayList<>();
    try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
      lines.forEach(line -> {
        List<String> raised = new ArrayList<>();
        if (ERROR_LEVEL.equals(levelOf(line))) {
          raised.add(ERROR_LEVEL);
        }
        for (String alarm : NODE_LOG_ALARMS) {
          if (line.contains(alarm)) {
            raised.add(alarm);
          }
        }
        for (String alarm : raised) {
          alarms.merge(alarm, 1, Integer::sum);
        }
        if (!raised.isEmpty() && examples.size() < SoakTally.EXAMPLES) {
          examples.add(line.strip());
        }
      });
    }
    if (!alarms.isEmpty()) {
      tally.problem("the log of node " + node.spec().name() + " has " + alarms + ": " + String.join(" | ", examples));
    }
  }

  /** The level of a node log line ("12:00:00.000 WARN  [thread] Logger - text"), or null for a continuation line. */
  static String levelOf(String line) {
    String[] fields = line.strip().split("\\s+", 3);
    return fields.length >= 2 && fields[0].matches("\\d\\d:\\d\\d:\\d\\d\\.\\d+") ? fields[1] : null;
  }

  private void prepareTables(EmbeddedOrigin origin) throws SQLException {
    PgAddress a = origin.address();
    try (Connection c = DriverManager.getConnection(a.jdbcUrl(), a.user(), a.password());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE outpost_soak_accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
      s.execute("INSERT INTO outpost_soak_accounts SELECT g, 0 FROM generate_series(1, " + SoakClient.SHARED_ROWS + ") g");
      List<String> own = new ArrayList<>();
      for (int node = 0; node < settings.nodes(); node++) {
        own.add(SoakLayout.nodeTable(node));
      }
      if (settings.directWriters() > 0) {
        own.add(SoakLayout.DIRECT_TABLE);
      }
      for (String table : own) {
        s.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, balance bigint NOT NULL)");
        s.execute("INSERT INTO " + table + " SELECT " + SoakClient.OWN_ROW_BASE + " + g, 0"
            + " FROM generate_series(0, " + (settings.clients() + settings.directWriters() - 1) + ") g");
      }
      s.execute("CREATE TABLE outpost_soak_events (id bigserial PRIMARY KEY, client int NOT NULL, at timestamptz NOT NULL)");
    }
    if (settings.directWriters() > 0) {
      // FOR ALL TABLES takes a superuser; the nodes create their slots themselves (REPLICATION role)
      try (Connection c = DriverManager.getConnection(origin.superJdbcUrl()); Statement s = c.createStatement()) {
        s.execute("CREATE PUBLICATION outpost FOR ALL TABLES");
      }
      facts.put("change feed", "on; " + settings.directWriters() + " more client(s) write straight to the origin, and a"
          + " read through any node must show their commits acknowledged " + Durations.format(settings.changeFeedBound())
          + " before it");
    }
  }

  private static String serverVersion(EmbeddedOrigin origin) throws SQLException {
    try (Connection c = DriverManager.getConnection(origin.superJdbcUrl()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW server_version")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
