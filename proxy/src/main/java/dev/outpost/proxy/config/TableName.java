package dev.outpost.proxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A table named in a cache rule: {@code public.products}, {@code products}, or with quoted parts
 * {@code "Sales"."Q1"}. Names are stored as Postgres resolves them: unquoted parts lower-cased,
 * quoted parts verbatim.
 *
 * @param schema the schema, or null for a name that matches the table in any schema
 * @param name the table name
 */
public record TableName(String schema, String name) {

  /** Rejects a missing or empty name and an empty schema. */
  public TableName {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || (schema != null && schema.isEmpty())) {
      throw new IllegalArgumentException("empty table or schema name");
    }
  }

  /**
   * Parses {@code [schema.]name} with SQL identifier rules.
   *
   * @throws IllegalArgumentException with a phrase that completes "{@code "<value>" …}"
   */
  public static TableName parse(String text) {
    List<String> parts = new ArrayList<>();
    String s = text == null ? "" : text.trim();
    int i = 0;
    while (i <= s.length()) {
      StringBuilder part = new StringBuilder();
      if (i < s.length() && s.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= s.length()) {
            throw new IllegalArgumentException("has an unterminated quoted name");
          }
          char c = s.charAt(i++);
          if (c == '"') {
            if (i < s.length() && s.charAt(i) == '"') {
              part.append('"');
              i++;
            } else {
              break;
            }
          } else {
            part.append(c);
          }
        }
        if (part.length() == 0) {
          throw new IllegalArgumentException("has an empty quoted name");
        }
      } else {
        while (i < s.length() && s.charAt(i) != '.') {
          char c = s.charAt(i++);
          boolean ok = Character.isLetter(c) || c == '_' || (part.length() > 0 && (Character.isDigit(c) || c == '$'));
          if (!ok) {
            throw new IllegalArgumentException("is not a table name");
          }
          part.append(c);
        }
        if (part.length() == 0) {
          throw new IllegalArgumentException("is not a table name");
        }
        part = new StringBuilder(part.toString().toLowerCase(Locale.ROOT));
      }
      parts.add(part.toString());
      if (i == s.length()) {
        break;
      }
      if (s.charAt(i) != '.') {
        throw new IllegalArgumentException("is not a table name");
      }
      i++;
    }
    if (parts.size() > 2) {
      throw new IllegalArgumentException("has more than schema.name");
    }
    return parts.size() == 1 ? new TableName(null, parts.get(0)) : new TableName(parts.get(0), parts.get(1));
  }

  /**
   * True when a table that a statement names as {@code (tableSchema, tableName)} may be this one:
   * the names are equal and the schemas are equal, or either side leaves the schema open (an
   * unqualified name in a statement is resolved by the session's search_path, which Outpost does
   * not follow, so a rule applies whenever it could).
   */
  public boolean matches(String tableSchema, String tableName) {
    return name.equals(tableName) && (schema == null || tableSchema == null || schema.equals(tableSchema));
  }

  @Override
  public String toString() {
    return schema == null ? quoteIfNeeded(name) : quoteIfNeeded(schema) + "." + quoteIfNeeded(name);
  }

  private static String quoteIfNeeded(String part) {
    boolean plain = !part.isEmpty() && (Character.isLowerCase(part.charAt(0)) || part.charAt(0) == '_')
        && part.chars().allMatch(c -> Character.isLowerCase(c) || Character.isDigit(c) || c == '_' || c == '$');
    return plain ? part : "\"" + part.replace("\"", "\"\"") + "\"";
  }
}
