package dev.outpost.bench.lab;

import dev.outpost.bench.util.Durations;
import dev.outpost.wan.WanEmulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a benchmark run measures against, set up on demand and torn down at the end: the
 * origin (given or embedded), the WAN emulator that makes it distant, Outpost nodes (started from
 * the jar, or given by URL), PgBouncer and any peers given by URL, and the data set.
 *
 * <p>Placement, as the scenarios use it:
 * <pre>
 *  app ──loopback──► outpost / pgbouncer "edge" ──WAN (delay each way)──► origin
 *  app ──────────────────── WAN (delay each way) ──────────────────────► origin   ("direct")
 *  app ──loopback──► outpost / pgbouncer "local" ──loopback──────────────► origin
 * </pre>
 *
 * <p>Things that cannot be had come back as {@link Availability.Missing} with the reason; each is
 * tried once per run and the answer remembered. Not thread-safe: scenarios run one at a time.
 */
public final class Lab implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Lab.class);

  /**
   * What the command line asked for.
   *
   * @param originUrl an existing origin, or null to start an embedded one
   * @param outpostJar the Outpost jar to start nodes from
   * @param outpostJvmOptions JVM options for each node
   * @param outpostUrls running nodes to use instead of starting any (first: region a, second: region b)
   * @param peers more endpoints by name, used as given
   * @param pgbouncer {@code off}, {@code auto} (the default binary) or a path to the binary
   * @param pgpool the same for pgpool-II
   * @param wanDelay one-way delay between the application's region and the origin
   * @param wanJitter jitter bound on that link
   * @param regionDelay one-way delay between two Outpost regions
   * @param outpostPoolSize {@code --pool-size} of started nodes
   * @param cacheMaxAge {@code --cache-max-age} of started cache nodes, or blank to omit the flag
   * @param workDir where child processes keep logs and config
   */
  public record Config(String originUrl, Path outpostJar, List<String> outpostJvmOptions, List<String> outpostUrls,
      Map<String, String> peers, String pgbouncer, String pgpool, Duration wanDelay, Duration wanJitter, Duration regionDelay,
      int outpostPoolSize, String cacheMaxAge, Path workDir) {
    public Config {
      Objects.requireNonNull(outpostJar, "outpostJar");
      outpostJvmOptions = List.copyOf(outpostJvmOptions);
      outpostUrls = List.copyOf(outpostUrls);
      peers = Collections.unmodifiableMap(new LinkedHashMap<>(peers));
      Objects.requireNonNull(pgbouncer, "pgbouncer");
      Objects.requireNonNull(pgpool, "pgpool");
      Objects.requireNonNull(wanDelay, "wanDelay");
      Objects.requireNonNull(wanJitter, "wanJitter");
      Objects.requireNonNull(regionDelay, "regionDelay");
      Objects.requireNonNull(workDir, "workDir");
    }
  }

  private final Config config;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final Map<String, Availability<Endpoint>> outposts = new HashMap<>();
  private final Map<String, String> facts = new LinkedHashMap<>();
  private EmbeddedOrigin embedded;
  private PgAddress origin;
  private WanEmulator wan;
  private Dataset dataset;
  private Availability<OriginCounter> originCounter;
  private final Poolers poolers = new Poolers(this);
  private Availability<List<Endpoint>> regions;
  private Availability<List<Endpoint>> sharedRegion;
  private Availability<List<Endpoint>> independentNodes;
  private String outpostVersion;

  public Lab(Config config) {
    this.config = config;
  }

  public Config config() {
    return config;
  }

  /** The origin on loopback, started on first use when none was given. */
  public synchronized PgAddress origin() throws IOException, SQLException {
    if (origin == null) {
      if (config.originUrl() != null) {
        origin = PgAddress.parse(config.originUrl());
        facts.put("origin", "given: " + origin);
      } else {
        embedded = EmbeddedOrigin.start();
        origin = embedded.address();
        facts.put("origin", "embedded (zonky) on " + origin.host() + ":" + origin.port());
      }
      facts.put("Postgres", serverVersion(Endpoint.of("origin", origin)));
    }
    return origin;
  }

  /** The origin as the application sees it from its own region: through the WAN emulator. */
  public synchronized PgAddress distantOrigin() throws IOException, SQLException {
    PgAddress local = origin();
    if (wan == null) {
      wan = WanEmulator.builder().listen("127.0.0.1", 0).target(local.host(), local.port())
          .delay(config.wanDelay()).jitter(config.wanJitter()).start();
      facts.put("WAN to origin", "one-way " + Durations.format(config.wanDelay()) + " each direction"
          + (config.wanJitter().isZero() ? "" : " + jitter 0.." + Durations.format(config.wanJitter()))
          + " (round trip " + Durations.format(config.wanDelay().multipliedBy(2))
          + "); new connections also pay the TCP handshake round trip");
    }
    return local.at(wan.host(), wan.port());
  }

  /** The application talking straight to the origin on loopback. */
  public Endpoint directLocal() throws IOException, SQLException {
    return Endpoint.of("direct", origin());
  }

  /** The application talking straight to the distant origin, across the WAN. */
  public Endpoint directDistant() throws IOException, SQLException {
    return Endpoint.of("direct", distantOrigin()).withNote("application → WAN → origin");
  }

  /** The tables, with at least {@code keys} keys. */
  public synchronized Dataset dataset(long keys) throws IOException, SQLException {
    if (dataset == null) {
      dataset = new Dataset(directLocal());
    }
    dataset.ensureKeys(keys);
    return dataset;
  }

  /** Statement counts at the origin, where {@code pg_stat_statements} allows. */
  public synchronized Availability<OriginCounter> originCounter() throws IOException, SQLException {
    if (originCounter == null) {
      originCounter = OriginCounter.probe(directLocal());
      if (!originCounter.isPresent()) {
        facts.put("cache hits verified at the origin", "no: " + originCounter.reason());
      } else {
        facts.put("cache hits verified at the origin", "yes, with pg_stat_statements call counts");
      }
    }
    return originCounter;
  }

  /**
   * An Outpost node whose origin is distant (edge) or on loopback (local), with the cache on or
   * off; started once and kept for the run. With {@code --outpost-url} the given node is used.
   */
  public synchronized Availability<Endpoint> outpost(boolean distant, boolean cache)
      throws IOException, SQLException, InterruptedException {
    if (!config.outpostUrls().isEmpty()) {
      return Availability.present(new Endpoint("outpost", PgAddress.parse(config.outpostUrls().get(0)), Map.of(),
          "given by --outpost-url; its origin and cache settings are whatever it was started with"));
    }
    String key = (distant ? "edge" : "local") + (cache ? "-cache" : "-nocache");
    Availability<Endpoint> known = outposts.get(key);
    if (known != null) {
      return known;
    }
    PgAddress nodeOrigin = distant ? distantOrigin() : origin();
    OutpostNode.Spec spec = new OutpostNode.Spec(key, nodeOrigin, config.outpostPoolSize(), cache,
        config.cacheMaxAge(), null);
    Availability<OutpostNode> node = OutpostNode.start(config.outpostJar(), config.outpostJvmOptions(), spec,
        config.workDir());
    recordOutpostVersion();
    Availability<Endpoint> endpoint = node.map(n -> {
      toClose.add(n);
      facts.put("outpost node " + key, n.printableCommand());
      return new Endpoint("outpost", n.address(), Map.of(),
          (distant ? "application → Outpost (same region) → WAN → origin" : "application → Outpost → origin")
              + "; cache " + (cache ? "on" : "off"));
    });
    if (!endpoint.isPresent()) {
      log.warn("outpost node {} not available: {}", key, endpoint.reason());
    }
    outposts.put(key, endpoint);
    return endpoint;
  }

  /**
   * Two Outpost nodes in two regions (a and b), both with the cache on and a distant origin,
   * bridged by an emulated inter-region link ({@link Config#regionDelay()} each way). With
   * {@code --outpost-url} the first two given nodes are used.
   */
  public synchronized Availability<List<Endpoint>> outpostRegions()
      throws IOException, SQLException, InterruptedException {
    if (regions != null) {
      return regions;
    }
    if (!config.outpostUrls().isEmpty()) {
      regions = config.outpostUrls().size() < 2
          ? Availability.missing("two regions need two --outpost-url values (region a, then region b)")
          : Availability.present(List.of(
              Endpoint.of("outpost a", PgAddress.parse(config.outpostUrls().get(0))),
              Endpoint.of("outpost b", PgAddress.parse(config.outpostUrls().get(1)))));
      return regions;
    }
    PgAddress nodeOrigin = distantOrigin();
    int clusterA = Ports.freeLoopbackPort();
    int clusterB = Ports.freeLoopbackPort();
    int relayA = Ports.freeLoopbackPort();
    int relayB = Ports.freeLoopbackPort();
    // Each region reaches the other's relay through its own emulated inter-region link, and each
    // relay advertises the link that leads to it (--relay-advertise), as a node behind NAT would:
    // JGroups connects to advertised addresses, so every bridge message crosses a link.
    WanEmulator aToB = regionLink(relayB);
    WanEmulator bToA = regionLink(relayA);
    OutpostNode.Cluster a = new OutpostNode.Cluster("a", "127.0.0.1:" + clusterA, "127.0.0.1:" + clusterA,
        "127.0.0.1:" + relayA, "127.0.0.1:" + bToA.port(), "127.0.0.1:" + aToB.port());
    OutpostNode.Cluster b = new OutpostNode.Cluster("b", "127.0.0.1:" + clusterB, "127.0.0.1:" + clusterB,
        "127.0.0.1:" + relayB, "127.0.0.1:" + aToB.port(), "127.0.0.1:" + bToA.port());
    List<Endpoint> nodes = new ArrayList<>();
    for (OutpostNode.Cluster c : List.of(a, b)) {
      OutpostNode.Spec spec = new OutpostNode.Spec("region-" + c.region() + "-1", nodeOrigin,
          config.outpostPoolSize(), true, config.cacheMaxAge(), c);
      Availability<OutpostNode> node = OutpostNode.start(config.outpostJar(), config.outpostJvmOptions(), spec,
          config.workDir());
      recordOutpostVersion();
      if (!node.isPresent()) {
        regions = Availability.missing(node.reason());
        return regions;
      }
      toClose.add(node.value());
      facts.put("outpost node " + spec.name(), node.value().printableCommand());
      nodes.add(Endpoint.of("outpost " + c.region(), node.value().address()));
    }
    facts.put("link between regions", "one-way " + Durations.format(config.regionDelay()) + " each direction");
    regions = Availability.present(List.copyOf(nodes));
    return regions;
  }

  /** How many nodes {@link #sharedRegion()} and {@link #independentNodes()} start. */
  public static final int REGION_NODES = 3;
  /** The region name of {@link #sharedRegion()}. */
  public static final String SHARED_REGION = "shared";
  private static final Duration REGION_FORM_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern MEMBERS_LOG = Pattern.compile(
      "region " + SHARED_REGION + ": (\\d+) live member\\(s\\)");

  /**
   * {@value #REGION_NODES} Outpost nodes forming one region ({@value #SHARED_REGION}): cache on,
   * distant origin, each listing all three cluster addresses as peers, no bridge to other regions.
   * Present only once every node's log says the region has all three live members. With
   * {@code --outpost-url}, three given URLs are used as the region's nodes (as given).
   */
  public synchronized Availability<List<Endpoint>> sharedRegion()
      throws IOException, SQLException, InterruptedException {
    if (sharedRegion != null) {
      return sharedRegion;
    }
    if (!config.outpostUrls().isEmpty()) {
      if (config.outpostUrls().size() < REGION_NODES) {
        sharedRegion = Availability.missing("--outpost-url was given " + config.outpostUrls().size()
            + " time(s): the bench starts no nodes then, and a region of " + REGION_NODES + " nodes needs "
            + REGION_NODES + " --outpost-url values (nodes of one region)");
      } else {
        List<Endpoint> given = new ArrayList<>();
        for (int i = 0; i < REGION_NODES; i++) {
          given.add(new Endpoint("outpost region node " + (i + 1), PgAddress.parse(config.outpostUrls().get(i)),
              Map.of(), "given by --outpost-url; assumed to be nodes of one region"));
        }
        sharedRegion = Availability.present(List.copyOf(given));
      }
      return sharedRegion;
    }
    PgAddress nodeOrigin = distantOrigin();
    List<Integer> clusterPorts = clusterPorts(REGION_NODES);
    String peers = String.join(",", clusterPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    List<OutpostNode> started = new ArrayList<>();
    for (int i = 0; i < REGION_NODES; i++) {
      OutpostNode.Cluster c = OutpostNode.Cluster.regionOnly(SHARED_REGION, "127.0.0.1:" + clusterPorts.get(i), peers);
      OutpostNode.Spec spec = new OutpostNode.Spec(SHARED_REGION + "-" + (i + 1), nodeOrigin,
          config.outpostPoolSize(), true, config.cacheMaxAge(), c);
      Availability<OutpostNode> node = OutpostNode.start(config.outpostJar(), config.outpostJvmOptions(), spec,
          config.workDir());
      recordOutpostVersion();
      if (!node.isPresent()) {
        sharedRegion = Availability.missing(node.reason());
        log.warn("shared region not available: {}", node.reason());
        return sharedRegion;
      }
      toClose.add(node.value());
      started.add(node.value());
      facts.put("outpost node " + spec.name(), node.value().printableCommand());
    }
    String formed = awaitRegion(started);
    if (formed != null) {
      sharedRegion = Availability.missing(formed);
      log.warn("shared region not available: {}", formed);
      return sharedRegion;
    }
    List<Endpoint> nodes = new ArrayList<>();
    for (int i = 0; i < started.size(); i++) {
      nodes.add(new Endpoint("outpost region node " + (i + 1), started.get(i).address(), Map.of(),
          "node " + (i + 1) + " of region " + SHARED_REGION + "; application → Outpost → WAN → origin; cache on"));
    }
    sharedRegion = Availability.present(List.copyOf(nodes));
    return sharedRegion;
  }

  /**
   * {@value #REGION_NODES} standalone Outpost nodes (no region, cache on, distant origin), each
   * with a cache of its own. Not available with {@code --outpost-url}: the bench starts no nodes then.
   */
  public synchronized Availability<List<Endpoint>> independentNodes()
      throws IOException, SQLException, InterruptedException {
    if (independentNodes != null) {
      return independentNodes;
    }
    if (!config.outpostUrls().isEmpty()) {
      independentNodes = Availability.missing("--outpost-url was given: the bench starts no nodes then, and "
          + REGION_NODES + " independent nodes cannot be told apart from a region's nodes by URL");
      return independentNodes;
    }
    PgAddress nodeOrigin = distantOrigin();
    List<Endpoint> nodes = new ArrayList<>();
    for (int i = 0; i < REGION_NODES; i++) {
      OutpostNode.Spec spec = new OutpostNode.Spec("solo-" + (i + 1), nodeOrigin, config.outpostPoolSize(), true,
          config.cacheMaxAge(), null);
      Availability<OutpostNode> node = OutpostNode.start(config.outpostJar(), config.outpostJvmOptions(), spec,
          config.workDir());
      recordOutpostVersion();
      if (!node.isPresent()) {
        independentNodes = Availability.missing(node.reason());
        log.warn("independent nodes not available: {}", node.reason());
        return independentNodes;
      }
      toClose.add(node.value());
      facts.put("outpost node " + spec.name(), node.value().printableCommand());
      nodes.add(new Endpoint("outpost independent node " + (i + 1), node.value().address(), Map.of(),
          "standalone node " + (i + 1) + " (no region); application → Outpost → WAN → origin; cache on"));
    }
    independentNodes = Availability.present(List.copyOf(nodes));
    return independentNodes;
  }

  /**
   * Free loopback ports for cluster transports, none of them where another's failure detector
   * listens (its port + {@code 100..104}).
   */
  private static List<Integer> clusterPorts(int n) {
    List<Integer> ports = new ArrayList<>();
    while (ports.size() < n) {
      int candidate = Ports.freeLoopbackPort();
      boolean clash = ports.stream().anyMatch(p -> p == candidate || Math.abs(p - candidate) >= 100
          && Math.abs(p - candidate) < 105);
      if (!clash) {
        ports.add(candidate);
      }
    }
    return ports;
  }

  /** Null once every node's log reports all of them as live members of the region, else why not. */
  private static String awaitRegion(List<OutpostNode> nodes) throws InterruptedException {
    long deadline = System.nanoTime() + REGION_FORM_TIMEOUT.toNanos();
    Map<String, Integer> seen = new LinkedHashMap<>();
    while (true) {
      boolean all = true;
      for (OutpostNode n : nodes) {
        int members = lastMemberCount(n.logFile());
        seen.put(n.spec().name(), members);
        all &= members == nodes.size();
      }
      if (all) {
        return null;
      }
      if (System.nanoTime() - deadline > 0) {
        return "the " + nodes.size() + " nodes did not form one region within " + Durations.format(REGION_FORM_TIMEOUT)
            + " (live members each node last logged, -1 = none yet: " + seen + ")";
      }
      Thread.sleep(200);
    }
  }

  private static int lastMemberCount(Path logFile) {
    try {
      Matcher m = MEMBERS_LOG.matcher(Files.readString(logFile, StandardCharsets.UTF_8));
      int last = -1;
      while (m.find()) {
        last = Integer.parseInt(m.group(1));
      }
      return last;
    } catch (IOException | UncheckedIOException e) {
      return -1;
    }
  }

  private WanEmulator regionLink(int targetPort) {
    WanEmulator link = WanEmulator.builder().listen("127.0.0.1", 0).target("127.0.0.1", targetPort)
        .delay(config.regionDelay()).start();
    toClose.add(link);
    return link;
  }

  private void recordOutpostVersion() throws InterruptedException {
    if (outpostVersion == null) {
      outpostVersion = OutpostNode.version(config.outpostJar(), config.outpostJvmOptions(), config.workDir());
      facts.put("Outpost", outpostVersion + " (" + config.outpostJar() + ")");
    }
  }

  /** PgBouncer started by the bench ({@code --pgbouncer auto}), pooling to a distant or local origin. */
  public synchronized Availability<Endpoint> pgbouncer(boolean distant)
      throws IOException, SQLException, InterruptedException {
    return poolers.pgbouncer(distant);
  }

  /** pgpool-II started by the bench ({@code --pgpool auto}) in front of a distant or local origin. */
  public synchronized Availability<Endpoint> pgpool(boolean distant)
      throws IOException, SQLException, InterruptedException {
    return poolers.pgpool(distant);
  }

  /** Records a fact for the report's setup section. */
  synchronized void fact(String key, String value) {
    facts.put(key, value);
  }

  /** Stops {@code resource} when the lab closes (in reverse order of registration). */
  synchronized void closeLater(AutoCloseable resource) {
    toClose.add(resource);
  }

  /** A peer to measure: a label and the endpoint, or why it is missing. */
  public record Peer(String label, Availability<Endpoint> endpoint) {}

  /**
   * Every peer of this run: the poolers the bench was asked to start (PgBouncer, pgpool-II), placed
   * in the application's region ({@code distant} origin) or next to the origin, then the peers given
   * with {@code --peer NAME=URL}, used exactly as given.
   */
  public List<Peer> peers(boolean distant) throws IOException, SQLException, InterruptedException {
    List<Peer> peers = new ArrayList<>();
    if (!config.pgbouncer().equals("off")) {
      peers.add(new Peer("pgbouncer", pgbouncer(distant)));
    }
    if (!config.pgpool().equals("off")) {
      peers.add(new Peer("pgpool", pgpool(distant)));
    }
    config.peers().forEach((name, url) -> peers.add(new Peer(name, Availability.present(new Endpoint(name,
        PgAddress.parse(url), Map.of(), "given by --peer; placement as configured there")))));
    return peers;
  }

  /** What a reader of the report needs to know about the setup, in the order it was set up. */
  public synchronized Map<String, String> facts() {
    return new LinkedHashMap<>(facts);
  }

  private static String serverVersion(Endpoint e) throws SQLException {
    try (Connection c = e.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW server_version")) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Override
  public synchronized void close() {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close();
      } catch (Exception e) {
        log.warn("could not stop {}: {}", toClose.get(i), e.toString());
      }
    }
    toClose.clear();
    if (wan != null) {
      wan.close();
    }
    if (embedded != null) {
      try {
        embedded.close();
      } catch (IOException e) {
        log.warn("embedded origin did not stop cleanly: {}", e.toString());
      }
    }
  }
}
