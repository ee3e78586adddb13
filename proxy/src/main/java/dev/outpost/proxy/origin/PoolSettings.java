package dev.outpost.proxy.origin;

import java.time.Duration;

/**
 * The limits of one pool (DESIGN §5.4); replaced as a whole on reload or when the cluster's
 * connection budget changes.
 */
public record PoolSettings(int maxSize, int minIdle, Duration maxLifetime, Duration idleTimeout,
    Duration acquireTimeout, int preparedStatementsPerConnection, boolean resetOnRelease) {
  public PoolSettings {
    if (maxSize < 1) {
      throw new IllegalArgumentException("pool max size must be at least 1");
    }
    minIdle = Math.min(minIdle, maxSize);
  }

  public PoolSettings withMaxSize(int n) {
    return new PoolSettings(n, minIdle, maxLifetime, idleTimeout, acquireTimeout, preparedStatementsPerConnection,
        resetOnRelease);
  }
}
