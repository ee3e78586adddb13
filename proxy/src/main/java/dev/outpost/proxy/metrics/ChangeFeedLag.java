package dev.outpost.proxy.metrics;

/**
 * How far the change feed trails the origin, as the feed reports it to
 * {@link Metrics#bindChangeFeed(java.util.function.Supplier)}.
 *
 * @param bytes WAL bytes between the origin's current position and the last one the feed confirmed
 * @param seconds age of the last change the feed applied (0 when it is caught up)
 */
public record ChangeFeedLag(long bytes, double seconds) {
  /** Rejects negative lag. */
  public ChangeFeedLag {
    if (bytes < 0 || seconds < 0 || Double.isNaN(seconds)) {
      throw new IllegalArgumentException("invalid change-feed lag: " + bytes + " bytes, " + seconds + " s");
    }
  }
}
