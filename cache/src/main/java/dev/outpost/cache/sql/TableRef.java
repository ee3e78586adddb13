package dev.outpost.cache.sql;

import java.util.Objects;

/**
 * A table (or view, materialized view, sequence, foreign table) named in a statement.
 *
 * <p>Names are as Postgres resolves them: unquoted parts lower-cased, quoted parts verbatim. The
 * schema is null when the statement did not qualify the name; a database (catalog) qualifier is
 * dropped because a connection can only reach its own database.
 *
 * @param schema the schema qualifier, or null
 * @param name the relation name, never empty
 */
public record TableRef(String schema, String name) {

  /** Validates that the name is present and the schema, if given, is not empty. */
  public TableRef {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("table name is empty");
    }
    if (schema != null && schema.isEmpty()) {
      throw new IllegalArgumentException("schema is empty; use null for an unqualified name");
    }
  }

  /** An unqualified table name. */
  public static TableRef of(String name) {
    return new TableRef(null, name);
  }

  /** A table name with an optional (nullable) schema. */
  public static TableRef of(String schema, String name) {
    return new TableRef(schema, name);
  }

  @Override
  public String toString() {
    return schema == null ? name : schema + "." + name;
  }
}
