package dev.outpost.cache.sql;

import java.util.Objects;

/**
 * A call of a catalog function (a {@code pg_proc} entry: function, aggregate, window function or
 * procedure) found in a statement. Names follow the same rules as {@link TableRef}.
 *
 * @param schema the schema qualifier, or null
 * @param name the function name, never empty
 */
public record FunctionRef(String schema, String name) {

  /** Validates that the name is present and the schema, if given, is not empty. */
  public FunctionRef {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("function name is empty");
    }
    if (schema != null && schema.isEmpty()) {
      throw new IllegalArgumentException("schema is empty; use null for an unqualified name");
    }
  }

  /** An unqualified function name. */
  public static FunctionRef of(String name) {
    return new FunctionRef(null, name);
  }

  /** A function name with an optional (nullable) schema. */
  public static FunctionRef of(String schema, String name) {
    return new FunctionRef(schema, name);
  }

  @Override
  public String toString() {
    return schema == null ? name : schema + "." + name;
  }
}
