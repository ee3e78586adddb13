package dev.outpost.proxy.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything one node runs with. Immutable; a reload builds a new instance and
 * {@link ConfigDiff} says what changed and what of that can change live.
 *
 * <p>Defaults follow DESIGN §5.4, §6 and §9: transaction pooling, 64 MiB messages, SCRAM-SHA-256,
 * a 15 s connect timeout and a 10 s auth timeout, the cache on with 60 s max-age. Every setting is a
 * key of {@link ConfigKeys}; {@link ConfigLoader} builds an instance from a file, the environment
 * and flags.
 *
 * <p>Guarantees: every value is within the range its key documents and the cross-key rules hold
 * (pool-min-idle ≤ pool-size, user names unique, MD5 only with passwords it can check, …); a
 * rejected instance reports every problem at once in a {@link ConfigException}. {@link #toString()}
 * masks every secret (the components that hold one mask themselves).
 *
 * @param originMaxConnections the region's budget of origin connections (DESIGN §5.6), 0 for
 *     "same as pool-size"; see {@link #effectiveOriginMaxConnections()}
 * @param users the configured users; empty means clients log in with the origin URL's credentials
 * @param admin the admin console's credentials ({@link AdminCredentials#NONE} when off)
 * @param metrics the Prometheus endpoint's address, or null when it is off
 * @param originKeepalive idle time before TCP keepalive probes on origin connections (0: the
 *     system's timing); see {@code OriginSocketSettings}
 * @param originTcpUserTimeout TCP_USER_TIMEOUT of origin connections (0: the system default)
 */
public record ProxyConfig(
    String listenHost,
    int listenPort,
    OriginUrl origin,
    PoolMode poolMode,
    int poolSize,
    int minIdle,
    Duration maxLifetime,
    Duration idleTimeout,
    Duration connectTimeout,
    Duration acquireTimeout,
    Duration originKeepalive,
    Duration originTcpUserTimeout,
    int preparedStatementsPerConnection,
    AuthMethod authMethod,
    Duration authTimeout,
    int maxMessageSize,
    int workerThreads,
    SessionFeaturePolicy sessionFeatures,
    int maxClientConnections,
    Duration clientIdleTimeout,
    Duration shutdownTimeout,
    Duration abandonedWriteTimeout,
    int originMaxConnections,
    List<UserEntry> users,
    AdminCredentials admin,
    TlsSettings tls,
    CacheSettings cache,
    HostPort metrics,
    ClusterSettings cluster,
    ChangeFeedSettings changeFeed,
    LogLevel logLevel) {

  public static final int MAX_POOL_SIZE = 10_000;
  public static final int MAX_PREPARED_STATEMENTS = 100_000;
  public static final int MAX_WORKER_THREADS = 1_024;
  public static final int MAX_CLIENT_CONNECTIONS = 1_000_000;
  public static final int MAX_ORIGIN_CONNECTIONS = 100_000;
  public static final int MIN_MESSAGE_SIZE = 1_024;
  public static final int MAX_MESSAGE_SIZE = 1 << 30;
  /** No duration setting goes beyond a year (and so never overflows a nanosecond count). */
  public static final Duration MAX_DURATION = Duration.ofDays(365);
  /** TCP_KEEPIDLE's limit, in seconds. */
  public static final int MAX_KEEPALIVE_SECONDS = 32_767;
  /** TCP_USER_TIMEOUT is an int of milliseconds; a day is far beyond any useful value. */
  public static final Duration MAX_TCP_USER_TIMEOUT = Duration.ofDays(1);

  /** Checks every rule of the class comment and reports all broken ones together. */
  public ProxyConfig {
    Problems p = new Problems();
    p.check(origin != null, () -> "origin: missing (required: postgresql://user:password@host:port/database)");
    p.check(listenHost != null && !listenHost.isBlank(), () -> "listen: the host is missing");
    range(p, "listen", listenPort, 0, 65_535);
    Objects.requireNonNull(poolMode, "pool-mode");
    Objects.requireNonNull(authMethod, "auth");
    Objects.requireNonNull(sessionFeatures, "session-features");
    range(p, "pool-size", poolSize, 1, MAX_POOL_SIZE);
    range(p, "pool-min-idle", minIdle, 0, Math.max(0, Math.min(poolSize, MAX_POOL_SIZE)));
    range(p, "prepared-statements-per-connection", preparedStatementsPerConnection, 1, MAX_PREPARED_STATEMENTS);
    range(p, "max-message-size", maxMessageSize, MIN_MESSAGE_SIZE, MAX_MESSAGE_SIZE);
    range(p, "worker-threads", workerThreads, 0, MAX_WORKER_THREADS);
    range(p, "max-client-connections", maxClientConnections, 1, MAX_CLIENT_CONNECTIONS);
    range(p, "origin-max-connections", originMaxConnections, 0, MAX_ORIGIN_CONNECTIONS);
    duration(p, "pool-connect-timeout", connectTimeout, true);
    duration(p, "pool-acquire-timeout", acquireTimeout, true);
    duration(p, "origin-keepalive", originKeepalive, false);
    p.check(originKeepalive.toSeconds() <= MAX_KEEPALIVE_SECONDS,
        () -> "origin-keepalive: " + ConfigValues.format(originKeepalive) + " is out of range (allowed: 0 (the"
            + " system's timing) up to " + MAX_KEEPALIVE_SECONDS + "s)");
    duration(p, "origin-tcp-user-timeout", originTcpUserTimeout, false);
    p.check(originTcpUserTimeout.compareTo(MAX_TCP_USER_TIMEOUT) <= 0,
        () -> "origin-tcp-user-timeout: " + ConfigValues.format(originTcpUserTimeout) + " is out of range (allowed:"
            + " 0 (the system default) up to 24h)");
    duration(p, "auth-timeout", authTimeout, true);
    duration(p, "pool-max-lifetime", maxLifetime, false);
    duration(p, "pool-idle-timeout", idleTimeout, false);
    duration(p, "client-idle-timeout", clientIdleTimeout, false);
    duration(p, "shutdown-timeout", shutdownTimeout, false);
    duration(p, "abandoned-write-timeout", abandonedWriteTimeout, true);
    users = List.copyOf(Objects.requireNonNull(users, "users"));
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(changeFeed, "changeFeed");
    Objects.requireNonNull(logLevel, "log-level");
    Set<String> names = new HashSet<>();
    for (UserEntry u : users) {
      p.check(names.add(u.name()),
          () -> "users: " + u.name() + " is listed more than once (allowed: one entry per name)");
      p.check(authMethod != AuthMethod.MD5 || u.password() != null, () -> "users[" + u.name()
          + "]: auth md5 cannot check a scram-verifier (allowed: give a password, or use auth scram)");
    }
    p.check(authMethod != AuthMethod.MD5 || !admin.enabled() || !admin.passwordIsVerifier(),
        () -> "admin-password: auth md5 cannot check a scram-verifier (allowed: give a password, or use auth scram)");
    p.check(metrics == null || listenHost == null || listenPort == 0
            || !(metrics.host().equals(listenHost) && metrics.port() == listenPort),
        () -> Problems.bad("metrics", String.valueOf(metrics), "is the listen address", "another port than listen"));
    p.throwIfAny();
  }

  private static void range(Problems p, String key, long value, long min, long max) {
    p.check(value >= min && value <= max,
        () -> key + ": " + value + " is out of range (allowed: " + min + ".." + max + ")");
  }

  private static void duration(Problems p, String key, Duration d, boolean positive) {
    Objects.requireNonNull(d, key);
    p.check(!d.isNegative() && !(positive && d.isZero()) && d.compareTo(MAX_DURATION) <= 0,
        () -> key + ": " + ConfigValues.format(d) + " is out of range (allowed: "
            + (positive ? "more than 0" : "0 or more") + ", at most 365d)");
  }

  /** Worker event-loop threads actually used. */
  public int effectiveWorkerThreads() {
    return workerThreads > 0 ? workerThreads : Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /** The region's origin connection budget: {@code origin-max-connections}, or pool-size when unset. */
  public int effectiveOriginMaxConnections() {
    return originMaxConnections > 0 ? originMaxConnections : poolSize;
  }

  /** The change feed's replication slot (the configured one, or {@code outpost_<region>}). */
  public String changeFeedSlot() {
    return changeFeed.slotName(cluster.region());
  }

  /** {@code listen} as one value. */
  public HostPort listenAddress() {
    return new HostPort(listenHost, listenPort);
  }

  public static Builder builder(OriginUrl origin) {
    return new Builder(origin);
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder(origin);
    b.listenHost = listenHost;
    b.listenPort = listenPort;
    b.poolMode = poolMode;
    b.poolSize = poolSize;
    b.minIdle = minIdle;
    b.maxLifetime = maxLifetime;
    b.idleTimeout = idleTimeout;
    b.connectTimeout = connectTimeout;
    b.acquireTimeout = acquireTimeout;
    b.originKeepalive = originKeepalive;
    b.originTcpUserTimeout = originTcpUserTimeout;
    b.preparedStatementsPerConnection = preparedStatementsPerConnection;
    b.authMethod = authMethod;
    b.authTimeout = authTimeout;
    b.maxMessageSize = maxMessageSize;
    b.workerThreads = workerThreads;
    b.sessionFeatures = sessionFeatures;
    b.maxClientConnections = maxClientConnections;
    b.clientIdleTimeout = clientIdleTimeout;
    b.shutdownTimeout = shutdownTimeout;
    b.abandonedWriteTimeout = abandonedWriteTimeout;
    b.originMaxConnections = originMaxConnections;
    b.users = users;
    b.adminUser = admin.user();
    b.adminPassword = admin.password();
    b.tlsMode = tls.mode();
    b.tlsCert = tls.cert();
    b.tlsKey = tls.key();
    b.cache = cache.toBuilder();
    b.metrics = metrics;
    b.cluster = cluster.toBuilder();
    b.changeFeed(changeFeed);
    b.logLevel = logLevel;
    return b;
  }

  /**
   * Mutable builder with the documented defaults. {@link #build()} reports every problem at once;
   * the nested settings are built there too, so their setters may be called in any order.
   */
  public static final class Builder {
    private OriginUrl origin;
    private String originSslRootCert;
    private String listenHost = "127.0.0.1";
    private int listenPort = 6432;
    private PoolMode poolMode = PoolMode.TRANSACTION;
    private int poolSize = 20;
    private int minIdle = 1;
    private Duration maxLifetime = Duration.ofMinutes(30);
    private Duration idleTimeout = Duration.ofMinutes(10);
    private Duration connectTimeout = Duration.ofSeconds(15);
    private Duration acquireTimeout = Duration.ofSeconds(15);
    private Duration originKeepalive = Duration.ofSeconds(30);
    private Duration originTcpUserTimeout = Duration.ofSeconds(60);
    private int preparedStatementsPerConnection = 500;
    private AuthMethod authMethod = AuthMethod.SCRAM;
    private Duration authTimeout = Duration.ofSeconds(10);
    private int maxMessageSize = 64 * 1024 * 1024;
    private int workerThreads = 0;
    private SessionFeaturePolicy sessionFeatures = SessionFeaturePolicy.ERROR;
    private int maxClientConnections = 10_000;
    private Duration clientIdleTimeout = Duration.ZERO;
    private Duration shutdownTimeout = Duration.ofSeconds(30);
    private Duration abandonedWriteTimeout = Duration.ofSeconds(30);
    private int originMaxConnections = 0;
    private List<UserEntry> users = List.of();
    private String adminUser;
    private String adminPassword;
    private TlsMode tlsMode = TlsMode.DISABLE;
    private Path tlsCert;
    private Path tlsKey;
    private CacheSettings.Builder cache = CacheSettings.builder();
    private HostPort metrics;
    private ClusterSettings.Builder cluster = ClusterSettings.builder();
    private boolean changeFeedEnabled;
    private ChangeFeedSettings.WhenUnsupported changeFeedWhenUnsupported = ChangeFeedSettings.WhenUnsupported.ERROR;
    private String changeFeedSlot;
    private LogLevel logLevel = LogLevel.INFO;

    private Builder(OriginUrl origin) {
      this.origin = origin;
    }

    public Builder origin(OriginUrl v) { origin = v; return this; }
    /** A CA file for the origin's certificate; merged into the origin URL (which may name the same file). */
    public Builder originSslRootCert(String v) { originSslRootCert = v; return this; }
    public Builder listen(String host, int port) { listenHost = host; listenPort = port; return this; }
    public Builder poolMode(PoolMode v) { poolMode = v; return this; }
    public Builder poolSize(int v) { poolSize = v; minIdle = Math.min(minIdle, v); return this; }
    public Builder minIdle(int v) { minIdle = v; return this; }
    public Builder maxLifetime(Duration v) { maxLifetime = v; return this; }
    public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
    public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
    public Builder acquireTimeout(Duration v) { acquireTimeout = v; return this; }
    public Builder originKeepalive(Duration v) { originKeepalive = v; return this; }
    public Builder originTcpUserTimeout(Duration v) { originTcpUserTimeout = v; return this; }
    public Builder preparedStatementsPerConnection(int v) { preparedStatementsPerConnection = v; return this; }
    public Builder authMethod(AuthMethod v) { authMethod = v; return this; }
    public Builder authTimeout(Duration v) { authTimeout = v; return this; }
    public Builder maxMessageSize(int v) { maxMessageSize = v; return this; }
    public Builder workerThreads(int v) { workerThreads = v; return this; }
    public Builder sessionFeatures(SessionFeaturePolicy v) { sessionFeatures = v; return this; }
    public Builder maxClientConnections(int v) { maxClientConnections = v; return this; }
    public Builder clientIdleTimeout(Duration v) { clientIdleTimeout = v; return this; }
    public Builder shutdownTimeout(Duration v) { shutdownTimeout = v; return this; }
    public Builder abandonedWriteTimeout(Duration v) { abandonedWriteTimeout = v; return this; }
    /** 0 means "same as pool-size". */
    public Builder originMaxConnections(int v) { originMaxConnections = v; return this; }
    public Builder users(List<UserEntry> v) { users = v; return this; }
    public Builder adminUser(String v) { adminUser = v; return this; }
    public Builder adminPassword(String v) { adminPassword = v; return this; }
    public Builder admin(AdminCredentials v) { adminUser = v.user(); adminPassword = v.password(); return this; }
    public Builder tlsMode(TlsMode v) { tlsMode = v; return this; }
    public Builder tlsCert(Path v) { tlsCert = v; return this; }
    public Builder tlsKey(Path v) { tlsKey = v; return this; }
    public Builder tls(TlsSettings v) { tlsMode = v.mode(); tlsCert = v.cert(); tlsKey = v.key(); return this; }
    public Builder cache(CacheSettings v) { cache = v.toBuilder(); return this; }
    public Builder cacheEnabled(boolean v) { cache.enabled(v); return this; }
    public Builder cacheMaxAge(Duration v) { cache.maxAge(v); return this; }
    public Builder cacheStaleWhileRevalidate(Duration v) { cache.staleWhileRevalidate(v); return this; }
    public Builder cacheMaxBytes(long v) { cache.maxBytes(v); return this; }
    public Builder cacheMaxEntrySize(long v) { cache.maxEntrySize(v); return this; }
    public Builder cacheRules(List<CacheRule> v) { cache.rules(v); return this; }
    /** Null turns the endpoint off. */
    public Builder metrics(HostPort v) { metrics = v; return this; }
    public Builder cluster(ClusterSettings v) { cluster = v.toBuilder(); return this; }
    public Builder region(String v) { cluster.region(v); return this; }
    public Builder nodeName(String v) { cluster.nodeName(v); return this; }
    public Builder clusterBind(HostPort v) { cluster.bind(v); return this; }
    public Builder clusterPeers(List<HostPort> v) { cluster.peers(v); return this; }
    public Builder relayBind(HostPort v) { cluster.relayBind(v); return this; }
    public Builder relayAdvertise(HostPort v) { cluster.relayAdvertise(v); return this; }
    public Builder relayPeers(List<HostPort> v) { cluster.relayPeers(v); return this; }
    public Builder clusterMaxFillSize(long v) { cluster.maxFillSize(v); return this; }
    public Builder clusterStack(String v) { cluster.stack(v); return this; }
    public Builder relayStack(String v) { cluster.relayStack(v); return this; }
    public Builder changeFeed(ChangeFeedSettings v) {
      changeFeedEnabled = v.enabled();
      changeFeedWhenUnsupported = v.whenUnsupported();
      changeFeedSlot = v.slot();
      return this;
    }
    public Builder changeFeedEnabled(boolean v) { changeFeedEnabled = v; return this; }
    public Builder changeFeedWhenUnsupported(ChangeFeedSettings.WhenUnsupported v) {
      changeFeedWhenUnsupported = v;
      return this;
    }
    /** Null for {@code outpost_<region>}. */
    public Builder changeFeedSlot(String v) { changeFeedSlot = v; return this; }
    public Builder logLevel(LogLevel v) { logLevel = v; return this; }

    /**
     * Validates and builds.
     *
     * @throws ConfigException with every problem found
     */
    public ProxyConfig build() {
      Problems p = new Problems();
      OriginUrl o = origin;
      if (o != null && originSslRootCert != null) {
        if (o.sslRootCert() != null && !o.sslRootCert().equals(originSslRootCert)) {
          p.add(Problems.bad("origin-ssl-root-cert", originSslRootCert, "differs from the origin URL's sslrootcert "
              + Problems.quote(o.sslRootCert()), "name the CA file in one place"));
        } else {
          o = o.withSslRootCert(originSslRootCert);
        }
      }
      AdminCredentials a = p.attempt(() -> new AdminCredentials(adminUser, adminPassword), AdminCredentials.NONE);
      TlsSettings t = p.attempt(() -> new TlsSettings(tlsMode, tlsCert, tlsKey), TlsSettings.DISABLED);
      CacheSettings c = p.attempt(cache::build, CacheSettings.defaults());
      ClusterSettings cl = p.attempt(cluster::build, ClusterSettings.single());
      ChangeFeedSettings cf = p.attempt(() -> new ChangeFeedSettings(changeFeedEnabled, changeFeedWhenUnsupported,
          changeFeedSlot), ChangeFeedSettings.OFF);
      OriginUrl finalOrigin = o;
      ProxyConfig config = p.attempt(() -> new ProxyConfig(listenHost, listenPort, finalOrigin, poolMode, poolSize,
          minIdle, maxLifetime, idleTimeout, connectTimeout, acquireTimeout, originKeepalive, originTcpUserTimeout,
          preparedStatementsPerConnection,
          authMethod, authTimeout, maxMessageSize, workerThreads, sessionFeatures, maxClientConnections,
          clientIdleTimeout, shutdownTimeout, abandonedWriteTimeout, originMaxConnections, users, a, t, c, metrics, cl, cf,
          logLevel), null);
      p.throwIfAny();
      return config;
    }
  }
}
