package dev.outpost.proxy.server;

import dev.outpost.cache.CacheBus;
import dev.outpost.cache.Ticker;
import dev.outpost.cache.store.QueryCacheBuilder;
import dev.outpost.proxy.auth.User;
import dev.outpost.proxy.cache.CachePolicy;
import dev.outpost.proxy.cache.CacheService;
import dev.outpost.proxy.catalog.CatalogInspector;
import dev.outpost.proxy.auth.UserDirectory;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.PoolMode;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.origin.OriginConnector;
import dev.outpost.proxy.origin.OriginPool;
import dev.outpost.proxy.origin.PoolSettings;
import dev.outpost.proxy.session.CancelRegistry;
import dev.outpost.proxy.session.ClientSession;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
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
  private final ConcurrentMap<String, OriginPool> pools = new ConcurrentHashMap<>();
  private final CancelRegistry cancels = new CancelRegistry();
  private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
  private final AtomicInteger clientConnections = new AtomicInteger();
  private Channel serverChannel;
  private ScheduledFuture<?> maintenance;
  private final CacheService cacheService;

  /** What a node is built with besides its configuration (tests inject clocks and buses here). */
  public record Options(CachePolicy cachePolicy, Ticker ticker, CacheBus bus, UserDirectory users) {
    public static Options defaults() {
      return new Options(CachePolicy.defaults(), null, null, null);
    }

    public Options withCachePolicy(CachePolicy p) {
      return new Options(p, ticker, bus, users);
    }

    public Options withTicker(Ticker t) {
      return new Options(cachePolicy, t, bus, users);
    }

    public Options withBus(CacheBus b) {
      return new Options(cachePolicy, ticker, b, users);
    }

    /** Users that may log in (instead of the origin URL's single user). */
    public Options withUsers(UserDirectory u) {
      return new Options(cachePolicy, ticker, bus, u);
    }
  }

  public OutpostNode(ProxyConfig config) {
    this(config, Options.defaults());
  }

  public OutpostNode(ProxyConfig config, Options options) {
    this.config = config;
    this.cacheService = cacheService(config, options);
    this.users = options.users() != null ? options.users() : defaultUsers(config);
    this.bossGroup = transport.newGroup(1, "outpost-accept");
    this.workerGroup = transport.newGroup(config.effectiveWorkerThreads(), "outpost-io");
    this.connector = new OriginConnector(transport.clientChannel(), config.connectTimeout());
  }

  private static CacheService cacheService(ProxyConfig config, Options options) {
    CachePolicy policy = options.cachePolicy();
    QueryCacheBuilder b = QueryCacheBuilder.newBuilder()
        .maxBytes(policy.maxBytes())
        .maxEntrySize(policy.maxEntrySize())
        .maxFlightTime(config.acquireTimeout().plusSeconds(5));
    if (options.ticker() != null) {
      b.ticker(options.ticker());
    }
    if (options.bus() != null) {
      b.bus(options.bus());
    }
    return new CacheService(b.build(), new CatalogInspector(config.origin(), Duration.ofSeconds(60)), policy);
  }

  /** The node's query cache service. */
  public CacheService cacheService() {
    return cacheService;
  }

  /** Without configured users, clients log in with the origin URL's user and password. */
  private static UserDirectory defaultUsers(ProxyConfig config) {
    OriginUrl o = config.origin();
    String password = o.password() == null ? "" : o.password();
    return new UserDirectory(List.of(User.withPassword(o.user(), password, Set.of(), o.user(), o.password())));
  }

  /** Binds the listening socket and warms the default pool. */
  public OutpostNode start() throws InterruptedException {
    ProxyConfig c = config;
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
    return pools.computeIfAbsent(key, k -> {
      ProxyConfig c = config;
      OriginUrl target = new OriginUrl(c.origin().host(), c.origin().port(), originUser, originPassword, database,
          c.origin().sslMode(), c.origin().sslRootCert());
      return new OriginPool(k, target, connector, workerGroup, poolSettings(c));
    });
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

  @Override
  public void close() {
    if (maintenance != null) {
      maintenance.cancel(false);
    }
    if (serverChannel != null) {
      serverChannel.close().syncUninterruptibly();
    }
    for (ClientSession s : sessions) {
      s.shutdown();
    }
    pools.values().forEach(OriginPool::close);
    cacheService.close();
    bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    log.info("outpost stopped");
  }
}
