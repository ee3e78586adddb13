package dev.outpost.cache;

/**
 * Hears that a database's schema changed, on every node a {@link QueryCache#invalidateSchema}
 * reaches (the node that published it included): whoever keeps facts read from the origin's
 * catalog (function volatility, a table's triggers, a view's base tables) forgets them there.
 *
 * <p>Called on the thread that applied the invalidation (a client's event loop, the cluster's
 * delivery thread), outside the cache's lock, after the entries were made unreadable: it must be
 * quick and must not block.
 */
@FunctionalInterface
public interface SchemaListener {
  /** Nothing keeps catalog facts. */
  SchemaListener NONE = database -> { };

  /** {@code database}'s schema changed. */
  void schemaChanged(String database);
}
