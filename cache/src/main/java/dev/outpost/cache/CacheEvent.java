package dev.outpost.cache;

import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * What the cache publishes through its {@link CacheBus} and applies at delivery (DESIGN §6.6,
 * §7). Events are values: a bus may serialize them (all fields are reachable through public
 * accessors) and must deliver each to every bound cache exactly once, in one total order.
 */
public sealed interface CacheEvent permits CacheEvent.Fill, CacheEvent.Invalidation, CacheEvent.Flush {

  /** The node that published the event. */
  String originNode();

  /**
   * A result to store. Dropped at delivery if any dependency was invalidated at a sequence
   * greater than {@code sequenceAtStart}, or by an invalidation still pending at the receiver.
   *
   * @param key the key
   * @param result the result (its dependencies and freshness included)
   * @param sequenceAtStart the sequence the publishing node had delivered when it sent the query
   * @param originNode the publishing node
   */
  record Fill(CacheKey key, CachedResult result, long sequenceAtStart, String originNode) implements CacheEvent {
    /** Rejects nulls. */
    public Fill {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(result, "result");
      Objects.requireNonNull(originNode, "originNode");
    }
  }

  /**
   * Committed writes made these relations (or, with {@code allTables}, anything in the database)
   * stale.
   *
   * @param database the database
   * @param tables bare relation names (normalized like {@link Dependencies}); empty with {@code allTables}
   * @param allTables every relation of the database
   * @param schemaChanged the database's catalog changed (DDL): what every node knows of its
   *     functions and relations is outdated too; only with {@code allTables}
   * @param originNode the publishing node
   * @param id unique per origin node: lets the origin recognize its own invalidation on delivery
   */
  record Invalidation(String database, Set<String> tables, boolean allTables, boolean schemaChanged,
      String originNode, long id) implements CacheEvent {
    /** Normalizes table names and checks the combination. */
    public Invalidation {
      Objects.requireNonNull(database, "database");
      Objects.requireNonNull(originNode, "originNode");
      Objects.requireNonNull(tables, "tables");
      if (allTables && !tables.isEmpty()) {
        throw new IllegalArgumentException("a database-wide invalidation names no tables");
      }
      if (schemaChanged && !allTables) {
        throw new IllegalArgumentException("a schema change invalidates the whole database");
      }
      Set<String> normalized = new LinkedHashSet<>();
      for (String t : tables) {
        normalized.add(Dependencies.normalizeName(t));
      }
      tables = Set.copyOf(normalized);
    }

    /** An invalidation of data only (no schema change). */
    public Invalidation(String database, Set<String> tables, boolean allTables, String originNode, long id) {
      this(database, tables, allTables, false, originNode, id);
    }

    /** True if a result of {@code db} with these dependencies may be made stale by this invalidation. */
    public boolean touches(String db, Dependencies deps) {
      if (!database.equals(db)) {
        return false;
      }
      if (allTables || deps.allTables()) {
        return true;
      }
      for (String t : deps.tables()) {
        if (tables.contains(t)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Drop everything (e.g. the admin's {@code INVALIDATE ALL} cluster-wide).
   *
   * @param originNode the publishing node
   */
  record Flush(String originNode) implements CacheEvent {
    /** Rejects nulls. */
    public Flush {
      Objects.requireNonNull(originNode, "originNode");
    }
  }
}
