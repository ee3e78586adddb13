package dev.outpost.cache;

import dev.outpost.cache.sql.TableRef;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The relations a cached result depends on: a set of table names, or "everything in the
 * database" when they could not be determined (DESIGN §6.5).
 *
 * <p>Names are bare relation names, lower-cased with {@link Locale#ROOT}; the schema is ignored.
 * Invalidations are matched the same way, so {@code a.orders} and {@code b.orders} (or {@code
 * "Orders"} and {@code orders}) invalidate each other's entries: over-invalidation is acceptable,
 * a missed invalidation is not, and matching by bare name cannot miss one whatever search_path
 * resolved a name to.
 *
 * @param allTables true if the result depends on every relation of its database
 * @param tables the bare, lower-cased relation names; empty when {@code allTables}
 */
public record Dependencies(boolean allTables, Set<String> tables) {

  /** Depends on everything in the database: invalidated by any invalidation there. */
  public static final Dependencies ALL = new Dependencies(true, Set.of());

  /** Depends on no relation (e.g. {@code SELECT 1}): only flushes and database-wide invalidations remove it. */
  public static final Dependencies NONE = new Dependencies(false, Set.of());

  /** Normalizes the names and checks the combination. */
  public Dependencies {
    Objects.requireNonNull(tables, "tables");
    if (allTables && !tables.isEmpty()) {
      throw new IllegalArgumentException("ALL dependencies carry no table names");
    }
    boolean normal = true;
    for (String t : tables) {
      if (!normalizeName(t).equals(t)) {
        normal = false;
        break;
      }
    }
    if (!normal) {
      Set<String> normalized = new LinkedHashSet<>();
      for (String t : tables) {
        normalized.add(normalizeName(t));
      }
      tables = normalized;
    }
    tables = Set.copyOf(tables); // no copy when it already is an unmodifiable Set.of/copyOf set
  }

  /** Dependencies on the given relations, by bare name. */
  public static Dependencies of(Collection<TableRef> relations) {
    Set<String> names = new LinkedHashSet<>();
    for (TableRef r : relations) {
      names.add(r.name());
    }
    return new Dependencies(false, names);
  }

  /** Dependencies on relations given by bare name. */
  public static Dependencies ofNames(String... names) {
    return new Dependencies(false, Set.of(names));
  }

  /** The comparison form of a relation name: lower-cased, as given otherwise. */
  public static String normalizeName(String name) {
    Objects.requireNonNull(name, "table name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("empty table name");
    }
    return name.toLowerCase(Locale.ROOT);
  }
}
