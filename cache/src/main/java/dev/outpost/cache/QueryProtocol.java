package dev.outpost.cache;

/**
 * Which protocol flow produced a cached result. Part of the {@link CacheKey}: a simple-query
 * result and an extended-query result are replayed differently (ParameterDescription, format
 * codes in RowDescription), so they never share an entry.
 */
public enum QueryProtocol {
  /** The simple Query message. */
  SIMPLE,
  /** Parse/Bind/Describe/Execute. */
  EXTENDED
}
