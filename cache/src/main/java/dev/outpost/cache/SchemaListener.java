package dev.outpost.cache;

/**
 * Hears that a database's schema changed, on every node a {@link QueryCache#invalidateSchema}
 * reaches (the node that published it included): whoever keeps facts read from the origin's
 * catalog (function volatility, a table's triggers, a view's base tables) forgets them there.
 *
 * <p>Called on the thread that applies the invalidation (a client's event loop, the cluster's
 * delivery thread), outside the cache's lock, <em>before</em> the entries become unreadable: a read
 * that misses because of the invalidation must find the facts forgotten, or it would plan with the
 * old ones and its fill, started after the invalidation, would be stored. It must be quick and
 * must not block.
 */
@FunctionalInterface
public interface SchemaListener {
  /** Nothing keeps catalog facts. */
  SchemaListener NONE = database -> { };

  /** {@code database}'s schema changed. */
  void schemaChanged(String database);
}
