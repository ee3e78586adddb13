package dev.outpost.changefeed;

import java.util.Objects;

/**
 * A table named by the origin's replication stream: schema and relation name exactly as stored in
 * the catalog (case and any characters preserved, never quoted).
 *
 * <p>Deliberately this module's own small value type, so that the change feed does not depend on
 * the cache module; the proxy maps it one to one onto the cache's table reference (both parts
 * are catalog names, the schema is always present).
 *
 * @param schema the schema (namespace), never empty
 * @param name the relation name, never empty
 */
public record TableName(String schema, String name) {

  /** Rejects missing or empty parts: the stream always names both. */
  public TableName {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(name, "name");
    if (schema.isEmpty() || name.isEmpty()) {
      throw new IllegalArgumentException("table name parts must not be empty: '" + schema + "'.'" + name + "'");
    }
  }

  /** The name as SQL would spell it, with parts quoted only where Postgres needs quotes. */
  public String sql() {
    return quoteIfNeeded(schema) + "." + quoteIfNeeded(name);
  }

  static String quoteIfNeeded(String identifier) {
    boolean plain = !identifier.isEmpty() && (Character.isLowerCase(identifier.charAt(0)) || identifier.charAt(0) == '_');
    for (int i = 0; plain && i < identifier.length(); i++) {
      char c = identifier.charAt(i);
      plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
    }
    plain &= identifier.charAt(0) < 128;
    return plain ? identifier : '"' + identifier.replace("\"", "\"\"") + '"';
  }

  @Override
  public String toString() {
    return sql();
  }
}
