package dev.outpost.bench.lab;

import dev.outpost.bench.util.Secrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An Outpost node run as a separate process from the built jar, through its CLI only
 * ({@code outpost serve ...}, DESIGN §10.1); the bench never loads proxy classes.
 *
 * <p>A node counts as started when its port accepts connections and {@code SELECT 1} through it
 * returns 1. A node that exits (for example because the CLI rejects a flag of a feature that has
 * not landed yet) or does not answer comes back as {@link Availability.Missing} with the node's own
 * last words, which the report prints as "not available yet".
 */
public final class OutpostNode implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  /**
   * How the bench runs a node. {@code cacheMaxAge} and {@code cluster} may be null (flag omitted);
   * {@code poolMode} is {@code transaction} or {@code session}; {@code extraFlags} go last.
   */
  public record Spec(String name, PgAddress origin, int poolSize, boolean cache, String cacheMaxAge,
      Cluster cluster, String poolMode, List<String> extraFlags) {
    public Spec {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(origin, "origin");
      if (poolSize < 1) {
        throw new IllegalArgumentException("pool size must be positive: " + poolSize);
      }
      if (!"transaction".equals(poolMode) && !"session".equals(poolMode)) {
        throw new IllegalArgumentException("pool mode must be transaction or session: " + poolMode);
      }
      extraFlags = List.copyOf(extraFlags);
    }

    /** A transaction-pooling node with no further flags. */
    public Spec(String name, PgAddress origin, int poolSize, boolean cache, String cacheMaxAge, Cluster cluster) {
      this(name, origin, poolSize, cache, cacheMaxAge, cluster, "transaction", List.of());
    }
  }

  /**
   * The cluster flags of a node in a region. The relay fields may be null (or blank) for a node of
   * a single region that bridges to no other: the {@code --relay-*} flags are then omitted.
   */
  public record Cluster(String region, String clusterBind, String clusterPeers, String relayBind,
      String relayAdvertise, String relayPeers) {
    public Cluster {
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(clusterBind, "clusterBind");
      Objects.requireNonNull(clusterPeers, "clusterPeers");
    }

    /** A node of one region that bridges to no other (no {@code --relay-*} flags). */
    public static Cluster regionOnly(String region, String clusterBind, String clusterPeers) {
      return new Cluster(region, clusterBind, clusterPeers, null, null, null);
    }

    /** Whether the node also bridges to other regions. */
    public boolean relayed() {
      return present(relayBind);
    }
  }

  private static boolean present(String flag) {
    return flag != null && !flag.isBlank();
  }

  private final Spec spec;
  private volatile ChildProcess process;
  private final PgAddress address;
  private final List<String> command;

  private OutpostNode(Spec spec, ChildProcess process, PgAddress address, List<String> command) {
    this.spec = spec;
    this.process = process;
    this.address = address;
    this.command = List.copyOf(command);
  }

  /**
   * Starts a node and checks that it answers; never throws for a node that cannot run.
   *
   * <p>A cache-off node is first started with {@code --cache off}; if that build of Outpost has no
   * {@code --cache} flag at all (the cache has not landed), it has no cache either, so it is started
   * again without the flag.
   */
  public static Availability<OutpostNode> start(Path jar, List<String> jvmOptions, Spec spec, Path logDir)
      throws InterruptedException {
    if (!Files.isRegularFile(jar)) {
      return Availability.missing("the Outpost jar " + jar + " is not built yet");
    }
    Availability<OutpostNode> node = attempt(jar, jvmOptions, spec, logDir, true);
    // Only the CLI's own complaint counts (picocli quotes the option), not our echo of the flags.
    if (!node.isPresent() && !spec.cache() && node.reason().contains("'--cache'")) {
      return attempt(jar, jvmOptions, spec, logDir, false);
    }
    return node;
  }

  private static Availability<OutpostNode> attempt(Path jar, List<String> jvmOptions, Spec spec, Path logDir,
      boolean cacheFlag) throws InterruptedException {
    int port = Ports.freeLoopbackPort();
    List<String> command = new ArrayList<>(javaCommand(jvmOptions, jar));
    command.addAll(List.of("serve", "--listen", "127.0.0.1:" + port, "--origin", spec.origin().url(),
        "--pool-mode", spec.poolMode(), "--pool-size", Integer.toString(spec.poolSize())));
    if (cacheFlag) {
      command.addAll(List.of("--cache", spec.cache() ? "on" : "off"));
    }
    if (spec.cache() && spec.cacheMaxAge() != null && !spec.cacheMaxAge().isBlank()) {
      command.addAll(List.of("--cache-max-age", spec.cacheMaxAge()));
    }
    if (spec.cluster() != null) {
      Cluster c = spec.cluster();
      command.addAll(List.of("--region", c.region(), "--node-name", spec.name(), "--cluster-bind", c.clusterBind(),
          "--cluster-peers", c.clusterPeers()));
      if (c.relayed()) {
        command.addAll(List.of("--relay-bind", c.relayBind()));
        if (present(c.relayAdvertise())) {
          command.addAll(List.of("--relay-advertise", c.relayAdvertise()));
        }
        if (present(c.relayPeers())) {
          command.addAll(List.of("--relay-peers", c.relayPeers()));
        }
      }
    }
    command.addAll(spec.extraFlags());
    ChildProcess process;
    try {
      process = ChildProcess.start("outpost " + spec.name(), command, logDir.resolve("outpost-" + spec.name() + ".log"));
    } catch (IOException e) {
      return Availability.missing("could not launch " + Secrets.mask(String.join(" ", command.subList(0, 4))) + ": " + e.getMessage());
    }
    try {
      process.awaitPort("127.0.0.1", port, START_TIMEOUT);
    } catch (ChildProcess.StartFailure e) {
      process.close();
      return Availability.missing("`outpost serve" + flagsOf(spec, cacheFlag) + "` did not start: " + e.getMessage());
    }
    PgAddress address = spec.origin().at("127.0.0.1", port);
    String probe = selectOne(address);
    if (probe != null) {
      process.close();
      return Availability.missing("node " + spec.name() + " listens but SELECT 1 through it failed: " + probe);
    }
    return Availability.present(new OutpostNode(spec, process, address, command));
  }

  /** The value of {@code outpost version}, or a note why it is unknown. */
  public static String version(Path jar, List<String> jvmOptions, Path logDir) throws InterruptedException {
    if (!Files.isRegularFile(jar)) {
      return "not built (" + jar + ")";
    }
    List<String> command = new ArrayList<>(javaCommand(jvmOptions, jar));
    command.add("version");
    Path out = logDir.resolve("outpost-version.log");
    try (ChildProcess p = ChildProcess.start("outpost version", command, out)) {
      int code = p.awaitExit(Duration.ofSeconds(60));
      String text = Files.readString(out, StandardCharsets.UTF_8).strip();
      return code == 0 && !text.isEmpty() ? text.lines().reduce((a, b) -> b).orElse(text)
          : "unknown (`outpost version` exited " + code + ")";
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static List<String> javaCommand(List<String> jvmOptions, Path jar) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
    return command;
  }

  /** The feature flags of a spec, for "not available" reasons. */
  private static String flagsOf(Spec spec, boolean cacheFlag) {
    StringBuilder b = new StringBuilder(" --pool-mode ").append(spec.poolMode());
    if (cacheFlag) {
      b.append(" --cache ").append(spec.cache() ? "on" : "off");
    }
    if (spec.cache() && spec.cacheMaxAge() != null && !spec.cacheMaxAge().isBlank()) {
      b.append(" --cache-max-age ").append(spec.cacheMaxAge());
    }
    if (spec.cluster() != null) {
      b.append(" --region ").append(spec.cluster().region()).append(" --cluster-…")
          .append(spec.cluster().relayed() ? " --relay-…" : "");
    }
    spec.extraFlags().forEach(f -> b.append(' ').append(f));
    return b.toString();
  }

  /** Null when {@code SELECT 1} works, else what went wrong. */
  static String selectOne(PgAddress address) {
    // A node that cannot answer SELECT 1 within seconds is not one to benchmark.
    Endpoint probe = Endpoint.of("probe", address).withDriverSetting("connectTimeout", "10")
        .withDriverSetting("loginTimeout", "10").withDriverSetting("socketTimeout", "10");
    try (Connection c = probe.connect(); Statement s = c.createStatement()) {
      s.setQueryTimeout(10);
      try (ResultSet rs = s.executeQuery("SELECT 1")) {
        return rs.next() && rs.getInt(1) == 1 ? null : "SELECT 1 did not return 1";
      }
    } catch (SQLException e) {
      return e.getMessage() + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")");
    }
  }

  public Spec spec() {
    return spec;
  }

  /** Where clients connect: loopback, with the origin's login. */
  public PgAddress address() {
    return address;
  }

  /** The command line that started the node, password masked. */
  public String printableCommand() {
    return Secrets.mask(String.join(" ", command));
  }

  public Path logFile() {
    return process.logFile();
  }

  /** Whether the node's process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Null when {@code SELECT 1} through the node works, else what went wrong. */
  public String probe() {
    return selectOne(address);
  }

  /**
   * Stops the node as a deploy would (SIGTERM; SIGKILL after 10 s), leaves it down for {@code down},
   * and starts it again with the same command — the same port, peers and log file (appended to).
   * Returns null once {@code SELECT 1} works through it again, else what went wrong.
   */
  public synchronized String restart(Duration down) throws InterruptedException {
    process.close();
    Thread.sleep(down.toMillis());
    ChildProcess next;
    try {
      next = ChildProcess.start("outpost " + spec.name(), command, process.logFile());
    } catch (IOException e) {
      return "could not launch it again: " + e.getMessage();
    }
    process = next;
    try {
      next.awaitPort(address.host(), address.port(), START_TIMEOUT);
    } catch (ChildProcess.StartFailure e) {
      return e.getMessage();
    }
    return selectOne(address);
  }

  @Override
  public void close() {
    process.close();
  }
}
