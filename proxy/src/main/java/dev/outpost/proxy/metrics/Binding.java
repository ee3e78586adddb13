package dev.outpost.proxy.metrics;

/**
 * A registration of numbers that another component supplies (a pool, the cache, the cluster, the
 * change feed). Closing it removes its meters from {@code /metrics} and from snapshots; closing
 * twice does nothing.
 */
public interface Binding extends AutoCloseable {
  @Override
  void close();
}
