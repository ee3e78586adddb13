package dev.outpost.proxy.metrics;

/**
 * One origin pool's numbers at one moment, as the pool reports them to
 * {@link Metrics#bindPool(String, java.util.function.Supplier)}. The three counts are totals since
 * the pool was created and never decrease, as do {@code servedWaits} and {@code waitedSeconds}.
 *
 * @param maxSize the pool's current maximum (pool-size, or its share of the region's budget)
 * @param total open connections (idle + active)
 * @param idle connections waiting in the pool
 * @param active connections serving a client
 * @param waiting clients queued for a connection
 * @param waits acquisitions that had to wait
 * @param acquireTimeouts clients that gave up waiting (SQLSTATE 53300)
 * @param connectFailures failed attempts to open an origin connection
 * @param oldestWaitSeconds how long the first client in the queue has waited so far (0 when none)
 * @param servedWaits clients that got a connection after waiting in the queue
 * @param waitedSeconds how long those clients waited, in all
 * @param hostMoves times the pool moved to another of the origin URL's hosts (a failover)
 */
public record PoolSample(int maxSize, int total, int idle, int active, int waiting, long waits, long acquireTimeouts,
    long connectFailures, double oldestWaitSeconds, long servedWaits, double waitedSeconds, long hostMoves) {

  /** Rejects negative numbers. */
  public PoolSample {
    if (maxSize < 0 || total < 0 || idle < 0 || active < 0 || waiting < 0 || waits < 0 || acquireTimeouts < 0
        || connectFailures < 0 || oldestWaitSeconds < 0 || servedWaits < 0 || waitedSeconds < 0 || hostMoves < 0) {
      throw new IllegalArgumentException("negative pool number in " + this);
    }
  }
}
