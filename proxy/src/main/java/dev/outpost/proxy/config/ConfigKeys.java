package dev.outpost.proxy.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Every configuration key of a node, in the order they are documented and applied (pool-size
 * before pool-min-idle, so that an explicit min-idle above the pool size is reported). The same
 * table drives the loader, the {@code serve} flags, {@code SHOW CONFIG} and {@link ConfigDiff}, so
 * a key cannot exist in one and be missing in another.
 *
 * <p>Which keys change live follows what the node can apply without dropping a client: pool
 * limits and timeouts, cache freshness, bounds and rules, users and the admin login, auth
 * settings, client limits and the log level. Addresses, TLS files, the pooling mode, the
 * cluster's identity and the change feed need a restart.
 */
public final class ConfigKeys {
  private static final boolean LIVE = true;
  private static final boolean RESTART = false;

  private static final List<ConfigKey<?>> ALL = List.of(
      key("listen", "HOST:PORT to accept clients on.", ValueTypes.hostPort(), RESTART,
          ProxyConfig::listenAddress, (b, v) -> b.listen(v.host(), v.port())),
      new ConfigKey<>("origin", "The origin Postgres as a libpq URL; its password is never shown, and a new"
          + " password alone is applied by RELOAD (for new origin connections).", ValueTypes.originUrl(), RESTART,
          ProxyConfig::origin, ProxyConfig.Builder::origin, null, "password",
          (running, loaded) -> running.origin().withCredentials(running.origin().user(), loaded.origin().password())
              .equals(loaded.origin())),
      key("origin-ssl-root-cert", "CA file (PEM) to verify the origin's certificate (or sslrootcert= in the URL).",
          ValueTypes.file(true), RESTART,
          c -> c.origin().sslRootCert() == null ? null : Path.of(c.origin().sslRootCert()),
          (b, v) -> b.originSslRootCert(v == null ? null : v.toString())),
      key("origin-max-connections",
          "The region's budget of origin connections, split across live nodes (default: pool-size).",
          ValueTypes.integer(1, ProxyConfig.MAX_ORIGIN_CONNECTIONS), LIVE,
          ProxyConfig::originMaxConnections, ProxyConfig.Builder::originMaxConnections,
          c -> String.valueOf(c.effectiveOriginMaxConnections())),
      key("pool-mode", "When a client gives its origin connection back: transaction or session.",
          ValueTypes.choice("transaction, session", PoolMode::parse, PoolMode::label), RESTART,
          ProxyConfig::poolMode, ProxyConfig.Builder::poolMode),
      key("pool-size", "Most origin connections per (user, database) on this node.",
          ValueTypes.integer(1, ProxyConfig.MAX_POOL_SIZE), LIVE, ProxyConfig::poolSize, ProxyConfig.Builder::poolSize),
      key("pool-min-idle", "Origin connections kept open while idle (at most pool-size).",
          ValueTypes.integer(0, ProxyConfig.MAX_POOL_SIZE), LIVE, ProxyConfig::minIdle, ProxyConfig.Builder::minIdle),
      key("pool-max-lifetime", "Origin connections older than this are replaced when idle.",
          ValueTypes.duration(false, "no limit"), LIVE, ProxyConfig::maxLifetime, ProxyConfig.Builder::maxLifetime),
      key("pool-idle-timeout", "Idle origin connections above pool-min-idle are closed after this.",
          ValueTypes.duration(false, "never"), LIVE, ProxyConfig::idleTimeout, ProxyConfig.Builder::idleTimeout),
      key("pool-connect-timeout", "Timeout for opening and authenticating an origin connection.",
          ValueTypes.duration(true, null), LIVE, ProxyConfig::connectTimeout, ProxyConfig.Builder::connectTimeout),
      key("origin-keepalive", "Idle time before an origin connection is probed with TCP keepalives (then every"
          + " third of it; 3 unanswered probes close it). New connections.",
          ValueTypes.duration(false, "the system's timing"), LIVE, ProxyConfig::originKeepalive,
          ProxyConfig.Builder::originKeepalive),
      key("origin-tcp-user-timeout", "How long data sent to the origin may go unacknowledged before the"
          + " connection counts as lost (TCP_USER_TIMEOUT). New connections.",
          ValueTypes.duration(false, "the system default"), LIVE, ProxyConfig::originTcpUserTimeout,
          ProxyConfig.Builder::originTcpUserTimeout),
      key("pool-acquire-timeout", "How long a client waits for an origin connection before SQLSTATE 53300.",
          ValueTypes.duration(true, null), LIVE, ProxyConfig::acquireTimeout, ProxyConfig.Builder::acquireTimeout),
      key("prepared-statements-per-connection", "Prepared statements each origin connection keeps (LRU).",
          ValueTypes.integer(1, ProxyConfig.MAX_PREPARED_STATEMENTS), LIVE,
          ProxyConfig::preparedStatementsPerConnection, ProxyConfig.Builder::preparedStatementsPerConnection),
      key("session-features", "Session-only statements in transaction mode: error, or pin the client.",
          ValueTypes.choice("error, pin", SessionFeaturePolicy::parse,
              v -> v.name().toLowerCase(java.util.Locale.ROOT)),
          LIVE, ProxyConfig::sessionFeatures, ProxyConfig.Builder::sessionFeatures),
      key("worker-threads", "Event-loop threads (0 = one per core).",
          ValueTypes.integer(0, ProxyConfig.MAX_WORKER_THREADS), RESTART,
          ProxyConfig::workerThreads, ProxyConfig.Builder::workerThreads),
      key("auth", "How clients authenticate: scram, md5, trust or passthrough (checked by the origin).",
          ValueTypes.choice("scram, md5, trust, passthrough", AuthMethod::parse, AuthMethod::label), LIVE,
          ProxyConfig::authMethod, ProxyConfig.Builder::authMethod),
      key("auth-timeout", "Startup and authentication must finish within this.",
          ValueTypes.duration(true, null), LIVE, ProxyConfig::authTimeout, ProxyConfig.Builder::authTimeout),
      key("users", "Users that may log in (config file only); absent: the origin URL's user and password.",
          StructuredValues.users(), LIVE, ProxyConfig::users, ProxyConfig.Builder::users),
      key("admin-user", "The user allowed on the admin console (database outpost); absent: console off.",
          ValueTypes.text("a role name"), LIVE, c -> c.admin().user(), ProxyConfig.Builder::adminUser),
      key("admin-password", "The admin user's password or SCRAM-SHA-256 verifier; never shown.",
          ValueTypes.secret(), LIVE, c -> c.admin().password(), ProxyConfig.Builder::adminPassword),
      key("tls-mode", "TLS for clients: disable, allow (offered, plaintext accepted) or require.",
          ValueTypes.choice("disable, allow, require", TlsMode::parse, TlsMode::label), RESTART,
          c -> c.tls().mode(), ProxyConfig.Builder::tlsMode),
      key("tls-cert", "The server certificate chain (PEM) for client TLS.", ValueTypes.file(true), RESTART,
          c -> c.tls().cert(), ProxyConfig.Builder::tlsCert),
      key("tls-key", "The private key (PEM) for client TLS.", ValueTypes.file(true), RESTART,
          c -> c.tls().key(), ProxyConfig.Builder::tlsKey),
      key("max-client-connections", "Most client connections; one more gets SQLSTATE 53300.",
          ValueTypes.integer(1, ProxyConfig.MAX_CLIENT_CONNECTIONS), LIVE,
          ProxyConfig::maxClientConnections, ProxyConfig.Builder::maxClientConnections),
      key("client-idle-timeout", "Close clients idle (outside a transaction) this long (0 = never).",
          ValueTypes.duration(false, "never"), LIVE, ProxyConfig::clientIdleTimeout,
          ProxyConfig.Builder::clientIdleTimeout),
      key("max-message-size", "Largest protocol message a client may send.",
          ValueTypes.intSize(ProxyConfig.MIN_MESSAGE_SIZE, ProxyConfig.MAX_MESSAGE_SIZE), LIVE,
          ProxyConfig::maxMessageSize, ProxyConfig.Builder::maxMessageSize),
      key("shutdown-timeout", "On SIGTERM (and for the admin console's PAUSE and WAIT_CLOSE), how long transactions in"
          + " flight may take to finish.",
          ValueTypes.duration(false, "close at once"), LIVE, ProxyConfig::shutdownTimeout,
          ProxyConfig.Builder::shutdownTimeout),
      key("abandoned-write-timeout", "How long a write whose client disconnected may still run before it is cancelled.",
          ValueTypes.duration(true, null), LIVE, ProxyConfig::abandonedWriteTimeout,
          ProxyConfig.Builder::abandonedWriteTimeout),
      key("cache", "The query-result cache: on or off.", ValueTypes.onOff(), RESTART,
          c -> c.cache().enabled(), ProxyConfig.Builder::cacheEnabled),
      key("cache-max-age", "How long a cached result is served as fresh.", ValueTypes.duration(false, null), LIVE,
          c -> c.cache().maxAge(), ProxyConfig.Builder::cacheMaxAge),
      key("cache-swr", "Stale-while-revalidate: how long after max-age a result is served while one refresh runs.",
          ValueTypes.duration(false, null), LIVE, c -> c.cache().staleWhileRevalidate(),
          ProxyConfig.Builder::cacheStaleWhileRevalidate),
      key("cache-max-bytes", "Bound on the bytes the cache holds.",
          ValueTypes.size(CacheSettings.MIN_MAX_BYTES, 1L << 40), LIVE, c -> c.cache().maxBytes(),
          ProxyConfig.Builder::cacheMaxBytes),
      key("cache-max-entry-size", "Larger results are not cached (status oversized).",
          ValueTypes.size(1, CacheSettings.MAX_ENTRY_SIZE_LIMIT), LIVE, c -> c.cache().maxEntrySize(),
          ProxyConfig.Builder::cacheMaxEntrySize),
      key("cache-rules", "Per-table caching rules (config file only).", StructuredValues.cacheRules(), LIVE,
          c -> c.cache().rules(), ProxyConfig.Builder::cacheRules),
      key("metrics", "HOST:PORT for Prometheus /metrics and /health, or off.", ValueTypes.hostPortOrOff(), RESTART,
          ProxyConfig::metrics, ProxyConfig.Builder::metrics),
      key("region", "The region this node serves; absent: the node runs alone, without a cluster.",
          ValueTypes.pattern(ClusterSettings.REGION, "a region name",
              "1-32 lower-case letters, digits, '-' or '_', starting with a letter or digit"),
          RESTART, c -> c.cluster().region(), ProxyConfig.Builder::region),
      key("node-name", "This node's name, unique across all regions (default: the host name).",
          ValueTypes.pattern(ClusterSettings.NODE_NAME, "a node name",
              "1-64 letters, digits, '.', '-' or '_', starting with a letter or digit"),
          RESTART, c -> c.cluster().nodeName(), ProxyConfig.Builder::nodeName),
      key("cluster-bind", "HOST:PORT of this node's regional cluster transport.", ValueTypes.hostPort(), RESTART,
          c -> c.cluster().bind(), ProxyConfig.Builder::clusterBind),
      key("cluster-peers", "The region's nodes for discovery (HOST:PORT,...).", ValueTypes.hostPortList(), RESTART,
          c -> c.cluster().peers(), ProxyConfig.Builder::clusterPeers),
      key("relay-bind", "HOST:PORT of this node's bridge to other regions; absent: one region only.",
          ValueTypes.hostPort(), RESTART, c -> c.cluster().relayBind(), ProxyConfig.Builder::relayBind),
      key("relay-advertise", "HOST:PORT other regions reach this node's bridge at, when not relay-bind (NAT).",
          ValueTypes.hostPort(), RESTART, c -> c.cluster().relayAdvertise(), ProxyConfig.Builder::relayAdvertise),
      key("relay-peers", "The other regions' bridge addresses (HOST:PORT,...).", ValueTypes.hostPortList(), RESTART,
          c -> c.cluster().relayPeers(), ProxyConfig.Builder::relayPeers),
      key("cluster-max-fill-size", "Cache fills larger than this are not shared with the region.",
          ValueTypes.size(dev.outpost.cluster.ClusterConfig.MIN_MAX_FILL_SIZE,
              dev.outpost.cluster.ClusterConfig.MAX_MAX_FILL_SIZE), RESTART,
          c -> c.cluster().maxFillSize(), ProxyConfig.Builder::clusterMaxFillSize),
      key("cluster-stack", "The regional JGroups stack: shipped name (tcp) or a stack file.",
          ValueTypes.stack("tcp"), RESTART, c -> c.cluster().stack(), ProxyConfig.Builder::clusterStack),
      key("relay-stack", "The bridge's JGroups stack: shipped name (relay-tcp) or a stack file.",
          ValueTypes.stack("relay-tcp"), RESTART, c -> c.cluster().relayStack(), ProxyConfig.Builder::relayStack),
      key("change-feed", "Invalidate from the origin's logical replication stream: on or off.", ValueTypes.onOff(),
          RESTART, c -> c.changeFeed().enabled(), ProxyConfig.Builder::changeFeedEnabled),
      key("change-feed-when-unsupported", "When the origin has no logical replication: error (refuse) or warn.",
          ValueTypes.choice("error, warn", ChangeFeedSettings.WhenUnsupported::parse,
              ChangeFeedSettings.WhenUnsupported::label), RESTART,
          c -> c.changeFeed().whenUnsupported(), ProxyConfig.Builder::changeFeedWhenUnsupported),
      key("change-feed-slot", "The replication slot (default: outpost_<region>).",
          ValueTypes.pattern(java.util.regex.Pattern.compile("[a-z0-9_]{1,63}"), "a replication slot name",
              "1-63 lower-case letters, digits or '_'"),
          RESTART, c -> c.changeFeed().slot(), ProxyConfig.Builder::changeFeedSlot, ProxyConfig::changeFeedSlot),
      key("log-level", "trace, debug, info, warn or error.",
          ValueTypes.choice("trace, debug, info, warn, error", LogLevel::parse, LogLevel::label), LIVE,
          ProxyConfig::logLevel, ProxyConfig.Builder::logLevel));

  private static final Map<String, ConfigKey<?>> BY_NAME = index();

  /** Names a nested section produces that differ from the key they mean (file only). */
  private static final Map<String, String> FILE_ALIASES = Map.ofEntries(
      Map.entry("origin-url", "origin"),
      Map.entry("auth-method", "auth"),
      Map.entry("pool-max-size", "pool-size"),
      Map.entry("cache-enabled", "cache"),
      Map.entry("cache-stale-while-revalidate", "cache-swr"),
      Map.entry("cluster-region", "region"),
      Map.entry("cluster-node-name", "node-name"),
      Map.entry("cluster-relay-bind", "relay-bind"),
      Map.entry("cluster-relay-peers", "relay-peers"),
      Map.entry("cluster-relay-advertise", "relay-advertise"),
      Map.entry("cluster-relay-stack", "relay-stack"),
      Map.entry("change-feed-enabled", "change-feed"),
      Map.entry("invalidation-change-feed", "change-feed"));

  private ConfigKeys() {}

  private static <T> ConfigKey<T> key(String name, String description, ValueType<T> type, boolean live,
      Function<ProxyConfig, T> getter, BiConsumer<ProxyConfig.Builder, T> setter) {
    return new ConfigKey<>(name, description, type, live, getter, setter, null);
  }

  /** A key whose display is not its value's format (an effective default is shown instead). */
  private static <T> ConfigKey<T> key(String name, String description, ValueType<T> type, boolean live,
      Function<ProxyConfig, T> getter, BiConsumer<ProxyConfig.Builder, T> setter,
      Function<ProxyConfig, String> display) {
    return new ConfigKey<>(name, description, type, live, getter, setter, display);
  }

  private static Map<String, ConfigKey<?>> index() {
    Map<String, ConfigKey<?>> m = new LinkedHashMap<>();
    for (ConfigKey<?> k : ALL) {
      if (m.put(k.name(), k) != null) {
        throw new IllegalStateException("duplicate key " + k.name());
      }
    }
    return m;
  }

  /** All keys, in documentation order. */
  public static List<ConfigKey<?>> all() {
    return ALL;
  }

  /** The key named {@code name} (flat spelling). */
  public static Optional<ConfigKey<?>> find(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }

  /** The key a flattened file name means, following nested-section aliases; null when unknown. */
  static ConfigKey<?> forFileName(String flatName) {
    ConfigKey<?> k = BY_NAME.get(flatName);
    return k != null ? k : BY_NAME.get(FILE_ALIASES.getOrDefault(flatName, ""));
  }

  /** {@code " (did you mean pool-size?)"} for a close known name, else empty. */
  static String suggestion(String unknown, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(unknown, k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(1, Math.min(2, unknown.length() / 4))
        ? " (did you mean " + best + "?)" : "";
  }

  /** Suggestion against all key names. */
  static String suggestion(String unknown) {
    List<String> names = new ArrayList<>(BY_NAME.keySet());
    return suggestion(unknown, names);
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
