package dev.outpost.proxy.cache;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a committed write invalidates: named tables (bare names), or everything in the database;
 * {@code ddl} when the catalog changed too.
 */
public record WriteSet(boolean everything, Set<String> tables, boolean ddl) {
  public static final WriteSet NOTHING = new WriteSet(false, Set.of(), false);
  public static final WriteSet EVERYTHING = new WriteSet(true, Set.of(), false);

  public WriteSet {
    tables = everything ? Set.of() : Set.copyOf(tables);
  }

  /** Both writes together. */
  public WriteSet and(WriteSet other) {
    if (other == NOTHING) {
      return this;
    }
    if (this == NOTHING) {
      return other;
    }
    boolean all = everything || other.everything;
    Set<String> t = new LinkedHashSet<>(tables);
    t.addAll(other.tables);
    return new WriteSet(all, all ? Set.of() : t, ddl || other.ddl);
  }

  public boolean isEmpty() {
    return !everything && tables.isEmpty() && !ddl;
  }
}
