package dev.outpost.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything one node runs with. Immutable; a reload builds a new instance.
 *
 * <p>Defaults follow DESIGN §5.4 and §9: transaction pooling, 64 MiB messages, SCRAM-SHA-256,
 * a 15 s connect timeout and a 10 s auth timeout.
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
    int preparedStatementsPerConnection,
    AuthMethod authMethod,
    Duration authTimeout,
    int maxMessageSize,
    int workerThreads,
    SessionFeaturePolicy sessionFeatures,
    int maxClientConnections,
    Duration clientIdleTimeout,
    Duration shutdownTimeout) {

  public ProxyConfig {
    Objects.requireNonNull(listenHost, "listenHost");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(poolMode, "poolMode");
    Objects.requireNonNull(authMethod, "authMethod");
    Objects.requireNonNull(sessionFeatures, "sessionFeatures");
    require(listenPort >= 0 && listenPort <= 65535, "listen port must be 0-65535, got " + listenPort);
    require(poolSize >= 1, "pool-size must be at least 1, got " + poolSize);
    require(minIdle >= 0 && minIdle <= poolSize, "pool-min-idle must be 0.." + poolSize + ", got " + minIdle);
    require(preparedStatementsPerConnection >= 1, "prepared-statements-per-connection must be at least 1");
    require(maxMessageSize >= 1024, "max-message-size must be at least 1KiB, got " + maxMessageSize);
    require(workerThreads >= 0, "worker-threads must be 0 (one per core) or more");
    require(maxClientConnections >= 1, "max-client-connections must be at least 1");
    positive(connectTimeout, "pool-connect-timeout");
    positive(acquireTimeout, "pool-acquire-timeout");
    positive(authTimeout, "auth-timeout");
    nonNegative(maxLifetime, "pool-max-lifetime");
    nonNegative(idleTimeout, "pool-idle-timeout");
    nonNegative(clientIdleTimeout, "client-idle-timeout");
    nonNegative(shutdownTimeout, "shutdown-timeout");
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    require(!d.isNegative() && !d.isZero(), name + " must be positive, got " + ConfigValues.format(d));
  }

  private static void nonNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    require(!d.isNegative(), name + " must not be negative");
  }

  /** Worker event-loop threads actually used. */
  public int effectiveWorkerThreads() {
    return workerThreads > 0 ? workerThreads : Math.max(1, Runtime.getRuntime().availableProcessors());
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
    b.preparedStatementsPerConnection = preparedStatementsPerConnection;
    b.authMethod = authMethod;
    b.authTimeout = authTimeout;
    b.maxMessageSize = maxMessageSize;
    b.workerThreads = workerThreads;
    b.sessionFeatures = sessionFeatures;
    b.maxClientConnections = maxClientConnections;
    b.clientIdleTimeout = clientIdleTimeout;
    b.shutdownTimeout = shutdownTimeout;
    return b;
  }

  /** Mutable builder with the documented defaults. */
  public static final class Builder {
    private OriginUrl origin;
    private String listenHost = "127.0.0.1";
    private int listenPort = 6432;
    private PoolMode poolMode = PoolMode.TRANSACTION;
    private int poolSize = 20;
    private int minIdle = 1;
    private Duration maxLifetime = Duration.ofMinutes(30);
    private Duration idleTimeout = Duration.ofMinutes(10);
    private Duration connectTimeout = Duration.ofSeconds(15);
    private Duration acquireTimeout = Duration.ofSeconds(15);
    private int preparedStatementsPerConnection = 500;
    private AuthMethod authMethod = AuthMethod.SCRAM;
    private Duration authTimeout = Duration.ofSeconds(10);
    private int maxMessageSize = 64 * 1024 * 1024;
    private int workerThreads = 0;
    private SessionFeaturePolicy sessionFeatures = SessionFeaturePolicy.ERROR;
    private int maxClientConnections = 10_000;
    private Duration clientIdleTimeout = Duration.ZERO;
    private Duration shutdownTimeout = Duration.ofSeconds(30);

    private Builder(OriginUrl origin) {
      this.origin = origin;
    }

    public Builder origin(OriginUrl v) { origin = v; return this; }
    public Builder listen(String host, int port) { listenHost = host; listenPort = port; return this; }
    public Builder poolMode(PoolMode v) { poolMode = v; return this; }
    public Builder poolSize(int v) { poolSize = v; minIdle = Math.min(minIdle, v); return this; }
    public Builder minIdle(int v) { minIdle = v; return this; }
    public Builder maxLifetime(Duration v) { maxLifetime = v; return this; }
    public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
    public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
    public Builder acquireTimeout(Duration v) { acquireTimeout = v; return this; }
    public Builder preparedStatementsPerConnection(int v) { preparedStatementsPerConnection = v; return this; }
    public Builder authMethod(AuthMethod v) { authMethod = v; return this; }
    public Builder authTimeout(Duration v) { authTimeout = v; return this; }
    public Builder maxMessageSize(int v) { maxMessageSize = v; return this; }
    public Builder workerThreads(int v) { workerThreads = v; return this; }
    public Builder sessionFeatures(SessionFeaturePolicy v) { sessionFeatures = v; return this; }
    public Builder maxClientConnections(int v) { maxClientConnections = v; return this; }
    public Builder clientIdleTimeout(Duration v) { clientIdleTimeout = v; return this; }
    public Builder shutdownTimeout(Duration v) { shutdownTimeout = v; return this; }

    public ProxyConfig build() {
      return new ProxyConfig(listenHost, listenPort, origin, poolMode, poolSize, minIdle, maxLifetime,
          idleTimeout, connectTimeout, acquireTimeout, preparedStatementsPerConnection, authMethod,
          authTimeout, maxMessageSize, workerThreads, sessionFeatures, maxClientConnections,
          clientIdleTimeout, shutdownTimeout);
    }
  }
}
