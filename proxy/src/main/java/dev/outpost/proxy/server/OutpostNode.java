package dev.outpost.proxy.server;

import dev.outpost.cache.CacheBus;
import dev.outpost.cache.Ticker;
import dev.outpost.cache.store.QueryCacheBuilder;
import dev.outpost.proxy.auth.PasswordMemory;
import dev.outpost.proxy.auth.User;
import dev.outpost.proxy.cache.CachePolicy;
import dev.outpost.proxy.cache.CacheService;
import dev.outpost.proxy.catalog.CatalogInspector;
import dev.outpost.proxy.feed.NodeChangeFeed;
import dev.outpost.proxy.metrics.LargeMessageLoad;
import dev.outpost.proxy.metrics.Metrics;
import dev.outpost.proxy.metrics.PoolSample;
import dev.outpost.proxy.auth.UserDirectory;
import dev.outpost.cluster.ClusterListener;
import dev.outpost.cluster.ClusterNode;
import dev.outpost.cluster.ClusterSnapshot;
import dev.outpost.cluster.ClusterStats;
import dev.outpost.cluster.RegionMembership;
import dev.outpost.proxy.admin.AdminResult;
import dev.outpost.proxy.admin.AdminView;
import dev.outpost.proxy.config.ConfigDiff;
import dev.outpost.proxy.config.LoadedConfig;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.PoolMode;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.origin.OriginConnector;
import dev.outpost.proxy.origin.OriginPool;
import dev.outpost.proxy.origin.PoolSettings;
import dev.outpost.proxy.session.CancelRegistry;
import dev.outpost.proxy.session.StartupHandler;
import dev.outpost.proxy.session.ClientSession;
import dev.outpost.proxy.session.TextAnalysisPool;
import dev.outpost.wire.codec.MessageMemory;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Outpost node: the listening socket, the event loops, the origin pools, and the registries
 * that client sessions share. Start it with {@link #start()}, stop it with {@link #close()}.
 */
public final class OutpostNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutpostNode.class);

  private volatile ProxyConfig config;
  private volatile UserDirectory users;
  private final Transport transport = Transport.best();
  private final EventLoopGroup bossGroup;
  private final EventLoopGroup workerGroup;
  private final OriginConnector connector;
  /**
   * Characters of long statement texts that may be in analysis at once, and the longest text
   * analysed (see {@link TextAnalysisPool}): a quarter of the heap's worth.
   */
  public static final long TEXT_ANALYSIS_BUDGET_CHARS =
      TextAnalysisPool.defaultBudgetChars(Runtime.getRuntime().maxMemory());

  /**
   * Bytes that large messages (over {@link MessageMemory#LARGE}, of clients and of the origin) may
   * hold at once, while received and until forwarded: half of Netty's direct memory (by default
   * the heap's size), so that many large uploads or rows at once are refused one by one instead of
   * exhausting the memory every connection reads and writes with.
   */
  public static final long LARGE_MESSAGE_BYTES =
      Math.max(MessageMemory.LARGE, io.netty.util.internal.PlatformDependent.maxDirectMemory() / 2);

  private final MessageMemory largeMessages;
  private final TextAnalysisPool textAnalysis;
  /** The text-analysis pool this node made itself (shut down with it), or null. */
  private final java.util.concurrent.ExecutorService ownTextAnalysis;
  private final ConcurrentMap<String, OriginPool> pools = new ConcurrentHashMap<>();
  private final CancelRegistry cancels = new CancelRegistry();
  private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
  private final AtomicInteger clientConnections = new AtomicInteger();
  private Channel serverChannel;
  private ScheduledFuture<?> maintenance;
  private final CacheService cacheService;
  private final Metrics metrics;
  private final SslContext clientTls;
  /** The node's region cluster, or null when it runs alone. */
  private final ClusterNode cluster;
  /** The change feed, or null when it is off (or unsupported, with change-feed-when-unsupported: warn). */
  private final NodeChangeFeed changeFeed;
  /** This node's share of the region's connection budget (DESIGN §5.6). */
  private volatile int budgetShare = Integer.MAX_VALUE;
  private AutoCloseable clusterListener;
  private final PasswordMemory passwords = new PasswordMemory(Duration.ofMinutes(5));
  private volatile User admin;
  private volatile boolean paused;
  /** Databases paused one by one (PAUSE db). */
  private final Set<String> pausedDatabases = ConcurrentHashMap.newKeySet();
  private final Set<String> disabledDatabases = ConcurrentHashMap.newKeySet();
  private volatile java.util.function.Supplier<LoadedConfig> configSource;
  private volatile LoadedConfig loadedConfig;
  private volatile AdminView clusterView = () -> AdminResult.builder("SHOW", "name", "value")
      .row("mode", "standalone (no region configured)").build();
  private volatile AdminView changeFeedView = () -> AdminResult.builder("SHOW", "name", "value")
      .row("state", "off (change-feed is not enabled)").build();
  private volatile boolean shuttingDown;
  private final Set<ClientSession> waitingForResume = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  /** What a node is built with besides its configuration (tests inject clocks and buses here). */
  public record Options(CachePolicy cachePolicy, Ticker ticker, CacheBus bus, UserDirectory users, Metrics metrics,
      Executor textAnalysis, long textAnalysisBudgetChars, long largeMessageBytes) {
    /** Everything from the configuration. */
    public static Options defaults() {
      return new Options(null, null, null, null, null, null, TEXT_ANALYSIS_BUDGET_CHARS, LARGE_MESSAGE_BYTES);
    }

    public Options withCachePolicy(CachePolicy p) {
      return new Options(p, ticker, bus, users, metrics, textAnalysis, textAnalysisBudgetChars,
          largeMessageBytes);
    }

    public Options withTicker(Ticker t) {
      return new Options(cachePolicy, t, bus, users, metrics, textAnalysis, textAnalysisBudgetChars,
          largeMessageBytes);
    }

    public Options withBus(CacheBus b) {
      return new Options(cachePolicy, ticker, b, users, metrics, textAnalysis, textAnalysisBudgetChars,
          largeMessageBytes);
    }

    /** Users that may log in (instead of the origin URL's single user). */
    public Options withUsers(UserDirectory u) {
      return new Options(cachePolicy, ticker, bus, u, metrics, textAnalysis, textAnalysisBudgetChars,
          largeMessageBytes);
    }

    /** The registry to record into (a node makes its own otherwise). */
    public Options withMetrics(Metrics m) {
      return new Options(cachePolicy, ticker, bus, users, m, textAnalysis, textAnalysisBudgetChars,
          largeMessageBytes);
    }

    /** Where long statement texts are analysed (the node keeps a small pool of its own otherwise). */
    public Options withTextAnalysis(Executor e) {
      return new Options(cachePolicy, ticker, bus, users, metrics, e, textAnalysisBudgetChars, largeMessageBytes);
    }

    /** How many characters of long texts may be handed to the text-analysis pool at once. */
    public Options withTextAnalysisBudget(long chars) {
      return new Options(cachePolicy, ticker, bus, users, metrics, textAnalysis, chars, largeMessageBytes);
    }

    /** How many bytes large messages may hold at once (see {@link MessageMemory}). */
    public Options withLargeMessageMemory(long bytes) {
      return new Options(cachePolicy, ticker, bus, users, metrics, textAnalysis, textAnalysisBudgetChars, bytes);
    }
  }

  public OutpostNode(ProxyConfig config) {
    this(config, Options.defaults());
  }

  public OutpostNode(ProxyConfig config, Options options) {
    this.config = config;
    this.cluster = options.bus() == null && config.cluster().enabled()
        ? ClusterNode.start(config.cluster().toClusterConfig()) : null;
    this.metrics = options.metrics() != null ? options.metrics() : new Metrics();
    this.cacheService = cacheService(config, options, cluster, metrics);
    this.changeFeed = config.changeFeed().enabled()
        ? NodeChangeFeed.prepare(config.origin(), config.changeFeed(), config.changeFeedSlot(), cacheService.cache())
        : null;
    this.clientTls = clientTls(config);
    this.metrics.bindCache(() -> cacheService.cache().stats());
    this.users = options.users() != null ? options.users() : NodeSettings.users(config);
    this.bossGroup = transport.newGroup(1, "outpost-accept");
    this.workerGroup = transport.newGroup(config.effectiveWorkerThreads(), "outpost-io");
    this.largeMessages = new MessageMemory(options.largeMessageBytes());
    this.connector = new OriginConnector(transport.clientChannel(), NodeSettings.originSockets(config), largeMessages);
    Executor analysts;
    if (options.textAnalysis() != null) {
      this.ownTextAnalysis = null;
      analysts = options.textAnalysis();
    } else {
      this.ownTextAnalysis = java.util.concurrent.Executors.newFixedThreadPool(
          Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
          new io.netty.util.concurrent.DefaultThreadFactory("outpost-text", true));
      analysts = ownTextAnalysis;
    }
    this.textAnalysis = new TextAnalysisPool(analysts, options.textAnalysisBudgetChars());
    this.metrics.bindTextAnalysis(textAnalysis::load);
    this.metrics.bindLargeMessages(
        () -> new LargeMessageLoad(largeMessages.inUse(), largeMessages.limit(), largeMessages.refused()));
  }

  /**
   * Tells the operator when max-message-size allows client messages that the large-message budget
   * can never hold: those are refused with 53200 whatever else is going on.
   */
  private void warnIfMessagesCannotFit(ProxyConfig c) {
    if (c.maxMessageSize() > largeMessages.limit()) {
      log.warn("max-message-size is {} bytes, but large messages may hold only {} bytes of this node's memory in all"
              + " (half of its direct memory): client messages between the two sizes will be refused with 53200."
              + " Give the node more heap (-Xmx) or lower max-message-size", c.maxMessageSize(), largeMessages.limit());
    }
  }

  /** What large messages may hold at once, shared by the frame decoders of every client and origin connection. */
  public MessageMemory largeMessages() {
    return largeMessages;
  }

  /**
   * Where sessions lex and classify statement texts too long to analyse on their event loop
   * (see {@code ClientSession.LONG_TEXT}): there, other clients of the loop would wait.
   */
  public TextAnalysisPool textAnalysis() {
    return textAnalysis;
  }

  private static CacheService cacheService(ProxyConfig config, Options options, ClusterNode cluster, Metrics metrics) {
    CachePolicy policy = options.cachePolicy() != null ? options.cachePolicy()
        : NodeSettings.cachePolicy(config.cache());
    QueryCacheBuilder b = QueryCacheBuilder.newBuilder()
        .storing(policy.enabled()) // with the cache off, peers' fills would only take memory
        .maxBytes(policy.maxBytes())
        .maxEntrySize(policy.maxEntrySize())
        .maxFlightTime(config.acquireTimeout().plusSeconds(5));
    if (options.ticker() != null) {
      b.ticker(options.ticker());
    }
    if (options.bus() != null) {
      b.bus(options.bus());
    } else if (cluster != null) {
      b.bus(cluster.cacheBus()).nodeId(cluster.nodeName());
    }
    CatalogInspector catalog = new CatalogInspector(config.origin(), Duration.ofSeconds(60));
    b.schemaListener(database -> { // DDL through any node of the cluster, or seen by the change feed
      catalog.forget(database);
      metrics.schemaChanged();
    });
    boolean shared = options.bus() != null || cluster != null;
    if (!policy.enabled() && shared) {
      log.info("the cache is off on this node: it stores no results, but it still publishes the invalidations of the "
          + "writes that pass through it, so that the nodes that cache hear of them");
    }
    return new CacheService(b.build(), catalog, policy, shared);
  }

  private static SslContext clientTls(ProxyConfig config) {
    if (!config.tls().mode().offersTls()) {
      return null;
    }
    try {
      // ALPN "postgresql" as Postgres 17: required of clients that start TLS directly, checked at
      // their StartupMessage; a client that offers other protocols only is refused in the handshake
      return SslContextBuilder.forServer(config.tls().cert().toFile(), config.tls().key().toFile())
          .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.FATAL_ALERT,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, StartupHandler.ALPN_PROTOCOL))
          .build();
    } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("tls-cert/tls-key: cannot load the certificate or key: " + e.getMessage(), e);
    }
  }

  /** TLS towards clients, or null when the node does not offer it. */
  public SslContext clientTls() {
    return clientTls;
  }

  /** The node's metrics registry. */
  public Metrics metrics() {
    return metrics;
  }

  /** The node's query cache service. */
  public CacheService cacheService() {
    return cacheService;
  }

  /** Binds the listening socket and warms the default pool. */
  public OutpostNode start() throws InterruptedException {
    ProxyConfig c = config;
    warnIfMessagesCannotFit(c);
    ServerBootstrap b = new ServerBootstrap()
        .group(bossGroup, workerGroup)
        .channel(transport.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
        .childHandler(new ClientChannelInitializer(this));
    serverChannel = b.bind(c.listenHost(), c.listenPort()).sync().channel();
    maintenance = workerGroup.next().scheduleWithFixedDelay(this::maintain, 1, 1, TimeUnit.SECONDS);
    if (changeFeed != null) {
      metrics.bindChangeFeed(changeFeed::lag);
      String self = cluster != null ? cluster.nodeName() : "this node";
      changeFeedView = () -> changeFeed.rows(self);
      if (cluster == null) {
        changeFeed.start(); // alone, this node is its own region's coordinator
      }
    }
    if (cluster != null) {
      clusterListener = cluster.addListener(new ClusterListener() {
        @Override
        public void membershipChanged(RegionMembership m) {
          OutpostNode.this.membershipChanged(m);
        }

        @Override
        public void becameCoordinator() {
          OutpostNode.this.coordinatorChanged(true);
        }

        @Override
        public void ceasedToBeCoordinator() {
          OutpostNode.this.coordinatorChanged(false);
        }
      });
      metrics.bindCluster(cluster::snapshot);
      clusterView = this::clusterRows;
    }
    OriginUrl o = c.origin();
    pool(o.user(), o.password(), o.database()).maintain();
    log.info("outpost listening on {} ({} transport, {} pooling, pool size {}), origin {}", address(),
        transport.name(), c.poolMode().label(), c.poolSize(), o);
    return this;
  }

  private void maintain() {
    for (OriginPool p : pools.values()) {
      try {
        p.maintain();
      } catch (RuntimeException e) {
        log.warn("pool {} maintenance failed: {}", p.name(), e.toString());
      }
    }
  }

  public ProxyConfig config() {
    return config;
  }

  public UserDirectory users() {
    return users;
  }

  public EventLoopGroup workerGroup() {
    return workerGroup;
  }

  public OriginConnector connector() {
    return connector;
  }

  public CancelRegistry cancels() {
    return cancels;
  }

  /** Sessions that finished startup, for the admin console. */
  public Set<ClientSession> sessions() {
    return sessions;
  }

  /** Counts open client sockets (including those still in startup). */
  public AtomicInteger clientConnections() {
    return clientConnections;
  }

  /** The pool of origin connections for {@code originUser} on {@code database}, created on first use. */
  public OriginPool pool(String originUser, String originPassword, String database) {
    String key = originUser + "@" + database;
    OriginPool existing = pools.get(key);
    if (existing != null) {
      existing.password(originPassword);
      return existing;
    }
    OriginPool created = pools.computeIfAbsent(key, k -> {
      ProxyConfig c = config;
      OriginUrl target = c.origin().withCredentials(originUser, originPassword).withDatabase(database);
      OriginPool pool = new OriginPool(k, target, connector, workerGroup, poolSettings(c).withMaxSize(poolMaxSize(c)));
      metrics.bindPool(k, () -> {
        OriginPool.PoolStats st = pool.stats();
        return new PoolSample(st.maxSize(), st.total(), st.idle(), st.active(), st.waiting(), st.waits(),
            st.acquireTimeouts(), st.connectFailures(), st.oldestWaitNanos() / 1e9, st.servedWaits(),
            st.waitedNanos() / 1e9, st.hostMoves());
      });
      // entries filled from the old server may not match the new one (writes it never received)
      pool.onHostMoved((from, to) -> {
        log.warn("pool {}: moved from origin host {} to {}: the cached results of database {} are dropped", k,
            from.address(), to.address(), database);
        cacheService().cache().invalidateAll(database);
        cacheService().reconnectCatalog(database); // its look-ups follow (pgjdbc tries the hosts itself)
      });
      return pool;
    });
    // A membership change (or reload) that ran while this pool was being created may have
    // iterated the pools before it was in the map: read the share again now that it is.
    ProxyConfig c = config;
    int max = poolMaxSize(c);
    if (created.settings().maxSize() != max) {
      created.settings(poolSettings(c).withMaxSize(max));
    }
    return created;
  }

  static PoolSettings poolSettings(ProxyConfig c) {
    return new PoolSettings(c.poolSize(), c.minIdle(), c.maxLifetime(), c.idleTimeout(), c.acquireTimeout(),
        c.preparedStatementsPerConnection(), c.poolMode() == PoolMode.SESSION);
  }

  public java.util.Collection<OriginPool> pools() {
    return pools.values();
  }

  /** The bound address (useful with port 0). */
  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  public int port() {
    return address().getPort();
  }

  /** Passwords the origin accepted recently (passthrough authentication). */
  public PasswordMemory passwords() {
    return passwords;
  }

  /**
   * Checks a passthrough login at the origin: succeeds when the origin accepts {@code password}
   * for {@code user} on {@code database}; fails with the origin's error otherwise.
   */
  public io.netty.util.concurrent.Future<Void> verifyAtOrigin(io.netty.channel.EventLoop loop, String user,
      String password, String database) {
    // the pool's own password changes only once this one is proven (a wrong one must not break it)
    OriginPool existing = pools.get(user + "@" + database);
    OriginPool pool = existing != null ? existing : pool(user, password, database);
    return connector.verifyLogin(loop, pool.target().withCredentials(user, password), pool);
  }

  /** The admin user when {@code name} is it, else null (SCRAM then fails like a wrong password). */
  public User adminUser(String name) {
    dev.outpost.proxy.config.AdminCredentials c = config.admin();
    if (!c.enabled() || !c.user().equals(name)) {
      return null;
    }
    User a = admin;
    if (a == null || !a.name().equals(c.user()) || !a.originPassword().equals(c.password())) {
      // the password is kept only to notice a changed one on reload; the console never logs in to the origin
      a = User.withPassword(c.user(), c.password(), Set.of(StartupHandler.ADMIN_DATABASE), c.user(), c.password());
      admin = a;
    }
    return a;
  }

  /** Where RELOAD (admin console, SIGHUP) reads the configuration from. */
  public void configSource(java.util.function.Supplier<LoadedConfig> source) {
    this.configSource = source;
    LoadedConfig l = source.get();
    this.loadedConfig = new LoadedConfig(config, l.sources());
  }

  /** The effective configuration as rows (secrets masked), with where each value came from. */
  public List<dev.outpost.proxy.config.ConfigRow> configRows() {
    LoadedConfig l = loadedConfig;
    return (l != null ? new LoadedConfig(config, l.sources()) : LoadedConfig.fromCode(config)).rows();
  }

  /** Re-reads the configuration from its source and applies it ({@link #reload}). */
  public ConfigDiff reloadFromSource() {
    java.util.function.Supplier<LoadedConfig> source = configSource;
    if (source == null) {
      return reload(config); // configured in code: nothing to re-read
    }
    LoadedConfig l = source.get();
    ConfigDiff diff = reload(l.config());
    loadedConfig = l;
    return diff;
  }

  public AdminView clusterView() {
    return clusterView;
  }

  public AdminView changeFeedView() {
    return changeFeedView;
  }

  /**
   * Applies a reloaded configuration: what can change live (pool limits and timeouts, users, cache
   * freshness, rules and bounds, auth and limits, log level) takes effect now, for new work; the
   * rest is reported by the returned diff and waits for a restart.
   */
  public synchronized ConfigDiff reload(ProxyConfig loaded) {
    ProxyConfig before = config;
    ConfigDiff diff = ConfigDiff.between(before, loaded);
    ProxyConfig next = diff.effective();
    config = next;
    users = NodeSettings.users(next);
    CachePolicy policy = NodeSettings.cachePolicy(next.cache());
    cacheService.policy(policy);
    cacheService.cache().limits(policy.maxBytes(), policy.maxEntrySize());
    for (OriginPool p : pools.values()) {
      p.settings(poolSettings(next).withMaxSize(poolMaxSize(next)));
    }
    connector.settings(NodeSettings.originSockets(next));
    applyOriginPasswords(next);
    next.logLevel().apply();
    if (next.maxMessageSize() != before.maxMessageSize()) {
      warnIfMessagesCannotFit(next);
    }
    log.info("configuration reloaded: {}", diff.summary());
    return diff;
  }

  /**
   * After a RELOAD, new origin connections log in with the passwords the configuration gives now
   * (the origin URL's, a user's {@code origin-password}): the pools of the roles they belong to,
   * the catalog connections (which take the pool's) and the change feed. The open connections
   * stay, as the origin lets them. With passthrough authentication, pools keep the passwords their
   * clients proved at the origin.
   */
  private void applyOriginPasswords(ProxyConfig next) {
    if (changeFeed != null) {
      changeFeed.password(next.origin().password());
    }
    if (next.authMethod() == dev.outpost.proxy.config.AuthMethod.PASSTHROUGH) {
      return;
    }
    UserDirectory directory = users;
    for (OriginPool p : pools.values()) {
      for (User u : directory.all()) {
        if (u.originUser().equals(p.target().user())) {
          p.password(u.originPassword());
          break;
        }
      }
    }
  }

  /**
   * The most origin connections one pool of this node may hold: pool-size, and in a cluster no
   * more than this node's share of the region's budget.
   */
  int poolMaxSize(ProxyConfig c) {
    return Math.max(1, Math.min(c.poolSize(), budgetShare));
  }

  /** The region's live members changed: every pool follows this node's new share of the budget. */
  private void membershipChanged(RegionMembership m) {
    ProxyConfig c = config;
    int share = m.share(c.effectiveOriginMaxConnections());
    budgetShare = share;
    for (OriginPool p : pools.values()) {
      p.settings(poolSettings(c).withMaxSize(poolMaxSize(c)));
    }
    log.info("region {}: {} live member(s) {}, coordinator {}; this node's share of the budget of {} is {}",
        m.region(), m.size(), m.members(), m.coordinator(), c.effectiveOriginMaxConnections(), share);
  }

  /** The region cluster, or null when the node runs alone. */
  public ClusterNode cluster() {
    return cluster;
  }

  private AdminResult clusterRows() {
    ClusterSnapshot s = cluster.snapshot();
    AdminResult.Builder r = AdminResult.builder("SHOW", "name", "value");
    r.row("region", s.region());
    r.row("node", s.node());
    r.row("cluster", s.cluster());
    r.row("view", s.viewId());
    r.row("members", String.join(",", s.members()));
    r.row("coordinator", s.coordinator() + (s.coordinatorHere() ? " (this node)" : ""));
    r.row("budget", config.effectiveOriginMaxConnections());
    r.row("budget_share", budgetShare == Integer.MAX_VALUE ? config.poolSize() : budgetShare);
    r.row("last_sequence", s.lastSequence());
    r.row("pending_invalidations", s.pendingInvalidations());
    r.row("held_events", s.heldEvents());
    r.row("awaited_invalidations", s.awaitedInvalidations());
    r.row("relay", s.relay().enabled() ? (s.relay().siteMaster() ? "site master" : "member") : "off");
    r.row("reachable_regions", String.join(",", s.relay().reachableRegions()));
    ClusterStats st = s.stats();
    for (java.lang.reflect.RecordComponent rc : st.getClass().getRecordComponents()) {
      try {
        r.row(rc.getName(), rc.getAccessor().invoke(st));
      } catch (ReflectiveOperationException e) {
        r.row(rc.getName(), "?");
      }
    }
    return r.build();
  }

  /**
   * Holds every request that needs the origin until {@link #resume()} (for origin maintenance);
   * transactions already running continue, and cache hits are still served.
   */
  public void pause() {
    pause(null);
  }

  /** As {@link #pause()}, for the requests of {@code database} only (every database when null). */
  public void pause(String database) {
    if (database == null) {
      paused = true;
      log.info("paused: new requests wait for RESUME");
    } else {
      pausedDatabases.add(database);
      log.info("paused database {}: its new requests wait for RESUME", database);
    }
  }

  /** Ends every pause and lets held requests go on (logged only when the node was paused or held a request). */
  public void resume() {
    resume(null);
  }

  /**
   * Ends the pause of {@code database} (a node-wide PAUSE goes on holding it), or, when null,
   * every pause; held requests that may go now go on.
   */
  public void resume(String database) {
    boolean wasPaused = database == null ? paused || !pausedDatabases.isEmpty() : pausedDatabases.contains(database);
    if (database == null) {
      paused = false;
      pausedDatabases.clear();
    } else {
      pausedDatabases.remove(database);
    }
    int held = 0;
    for (ClientSession s : waitingForResume) {
      if (!paused(s.database()) && waitingForResume.remove(s)) {
        held++;
        s.resumed();
      }
    }
    if (wasPaused || held > 0) {
      log.info("resumed{}: {} held session(s) go on", database == null ? "" : " database " + database, held);
    }
  }

  /**
   * DISABLE db: new client logins to {@code database} are refused (55000) until {@link #enable};
   * connected clients go on. Returns false when it already was.
   */
  public boolean disable(String database) {
    boolean added = disabledDatabases.add(database);
    if (added) {
      log.info("disabled database {}: new client logins to it are refused until ENABLE", database);
    }
    return added;
  }

  /** ENABLE db: undoes {@link #disable}; returns false when it was not disabled. */
  public boolean enable(String database) {
    boolean removed = disabledDatabases.remove(database);
    if (removed) {
      log.info("enabled database {}: client logins to it are accepted again", database);
    }
    return removed;
  }

  /** Whether new client logins to {@code database} are refused (DISABLE). */
  public boolean disabled(String database) {
    return disabledDatabases.contains(database);
  }

  /** Whether the whole node is paused. */
  public boolean paused() {
    return paused;
  }

  /** Whether requests of {@code database} wait for RESUME (a node-wide PAUSE, or one of that database). */
  public boolean paused(String database) {
    return paused || pausedDatabases.contains(database);
  }

  /** A session whose next request needs the origin while paused; it is woken by {@link #resume}. */
  public void waitForResume(ClientSession s) {
    waitingForResume.add(s);
    if (!paused(s.database()) && waitingForResume.remove(s)) {
      s.resumed();
    }
  }

  public boolean shuttingDown() {
    return shuttingDown;
  }

  /**
   * Stops the node gracefully: refuses new connections, closes idle clients, lets transactions in
   * flight finish (their clients are closed when each ends) for up to {@code timeout}, then closes
   * everything.
   */
  public void shutdown(Duration timeout) {
    if (closed.get()) {
      return;
    }
    shuttingDown = true;
    if (serverChannel != null) {
      serverChannel.close().syncUninterruptibly();
    }
    log.info("shutting down: {} client(s) connected, waiting up to {} ms for open transactions",
        sessions.size(), timeout.toMillis());
    resume(); // requests held by PAUSE go on, so that their transactions can end
    for (ClientSession s : sessions) {
      s.closeWhenIdle();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!sessions.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (!sessions.isEmpty()) {
      log.warn("shutdown timeout: closing {} client(s) still in a transaction", sessions.size());
    }
    close();
  }

  /** Becoming (or no longer being) the region's coordinator starts (or stops) the change feed. */
  private void coordinatorChanged(boolean coordinator) {
    log.info("this node {} the coordinator of region {}", coordinator ? "is now" : "is no longer",
        cluster.region());
    if (changeFeed != null) {
      if (coordinator) {
        changeFeed.start();
      } else {
        changeFeed.stop();
      }
    }
  }

  /** The change feed, or null when it is off. */
  public NodeChangeFeed changeFeed() {
    return changeFeed;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    shuttingDown = true;
    if (maintenance != null) {
      maintenance.cancel(false);
    }
    if (serverChannel != null) {
      serverChannel.close().syncUninterruptibly();
    }
    for (ClientSession s : sessions) {
      s.shutdown();
    }
    if (changeFeed != null) {
      changeFeed.close(); // before the cluster: the next coordinator takes the slot over
    }
    pools.values().forEach(OriginPool::close);
    cacheService.close();
    if (cluster != null) {
      try {
        if (clusterListener != null) {
          clusterListener.close();
        }
      } catch (Exception e) {
        log.debug("cluster listener close: {}", e.toString());
      }
      cluster.close();
    }
    bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    if (ownTextAnalysis != null) {
      ownTextAnalysis.shutdownNow();
    }
    log.info("outpost stopped");
  }
}
