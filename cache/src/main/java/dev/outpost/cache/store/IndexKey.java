package dev.outpost.cache.store;

/**
 * A slot in the dependency index and the invalidation marks: one relation of a database, the
 * entries of a database that depend on everything, or every entry of a database.
 */
record IndexKey(String database, Kind kind, String table) {

  enum Kind {
    /** Entries depending on {@code table}; marks: when {@code table} was last invalidated. */
    TABLE,
    /** Entries with unknown dependencies; marks: when anything in the database was last invalidated. */
    ALL_DEPENDENT,
    /** Every entry of the database; marks: when the whole database was last invalidated. */
    ANY_ENTRY
  }

  static IndexKey table(String database, String table) {
    return new IndexKey(database, Kind.TABLE, table);
  }

  static IndexKey allDependent(String database) {
    return new IndexKey(database, Kind.ALL_DEPENDENT, "");
  }

  static IndexKey anyEntry(String database) {
    return new IndexKey(database, Kind.ANY_ENTRY, "");
  }
}
