package dev.outpost.cache.sql;

import java.util.List;
import java.util.Objects;

/**
 * A parsed session-state statement (SET, RESET, DISCARD, DEALLOCATE), in the form the proxy
 * needs to virtualize session state under transaction pooling (DESIGN §5.3).
 *
 * <p>Contract for the proxy: track {@link SetVariable} with {@code local == false}, {@link
 * ResetVariable} and {@link ResetAll}; leave {@code local} settings alone (they end with the
 * transaction); refuse or pin on {@link Untrackable}. Names are GUC names, lower-cased (Postgres
 * compares them case-insensitively); special syntax is mapped to its GUC ({@code SET TIME ZONE} →
 * {@code timezone}, {@code SET NAMES} → {@code client_encoding}, {@code SET SCHEMA} → {@code
 * search_path}, {@code SET [SESSION CHARACTERISTICS AS] TRANSACTION} → {@code
 * [default_]transaction_isolation|read_only|deferrable}). Values are the SQL text of the value
 * list with comments removed and whitespace collapsed, literals untouched, ready for {@link
 * #renderSet}.
 */
public sealed interface SessionCommand {

  /**
   * Parses the first statement of {@code sql}. Usually returns one command; {@code SET
   * TRANSACTION} and {@code SET SESSION CHARACTERISTICS} with several modes return one {@link
   * SetVariable} per mode. Returns an empty list for statements that are not SET, RESET, DISCARD
   * or DEALLOCATE.
   */
  static List<SessionCommand> parse(String sql) {
    List<List<Token>> statements =
        SqlStatements.splitTokens(SqlLexer.tokenize(sql == null ? "" : sql));
    if (statements.isEmpty()) {
      return List.of();
    }
    return SessionCommandParser.parse(
        statements.get(0).stream().filter(t -> !t.type().isComment()).toList());
  }

  /** {@code SET name = value}, quoting the name where needed. */
  static String renderSet(String name, String valueSql) {
    Objects.requireNonNull(valueSql, "valueSql");
    if (name.equals("timezone") && valueSql.regionMatches(true, 0, "interval", 0, 8)) {
      return "SET TIME ZONE " + valueSql; // only this form accepts an interval literal
    }
    return "SET " + quoteName(name) + " = " + valueSql;
  }

  /** {@code RESET name}, quoting the name where needed. */
  static String renderReset(String name) {
    return "RESET " + quoteName(name);
  }

  /**
   * Renders a (possibly dotted) setting name so Postgres reads it back as the same GUC: each
   * dot-separated part stays bare if it is a plain lower-case identifier and not a reserved word,
   * and is double-quoted otherwise.
   */
  static String quoteName(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("empty setting name");
    }
    StringBuilder out = new StringBuilder();
    for (String part : name.split("\\.", -1)) {
      if (out.length() > 0) {
        out.append('.');
      }
      out.append(isBare(part) ? part : '"' + part.replace("\"", "\"\"") + '"');
    }
    return out.toString();
  }

  private static boolean isBare(String part) {
    if (part.isEmpty() || Keywords.isReserved(part)) {
      return false;
    }
    char first = part.charAt(0);
    if (!(first >= 'a' && first <= 'z') && first != '_') {
      return false;
    }
    for (int i = 1; i < part.length(); i++) {
      char ch = part.charAt(i);
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '$')) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code SET [SESSION | LOCAL] name {= | TO} value-list} and its special forms.
   *
   * @param name the GUC name, lower-cased, dotted for custom settings
   * @param value the value list as SQL text (e.g. {@code 'UTC'} or {@code public, "My Schema"})
   * @param local true for SET LOCAL, SET TRANSACTION and SET CONSTRAINTS: ends with the transaction
   */
  record SetVariable(String name, String value, boolean local) implements SessionCommand {
    /** Validates name and value are present. */
    public SetVariable {
      requireName(name);
      Objects.requireNonNull(value, "value");
      if (value.isEmpty()) {
        throw new IllegalArgumentException("empty value for " + name);
      }
    }

    /** This setting as a statement that re-applies it. */
    public String toSql() {
      return renderSet(name, value);
    }
  }

  /**
   * {@code RESET name}, and {@code SET name TO DEFAULT} / {@code SET TIME ZONE LOCAL}, which mean
   * the same.
   *
   * @param name the GUC name, lower-cased
   */
  record ResetVariable(String name) implements SessionCommand {
    /** Validates the name is present. */
    public ResetVariable {
      requireName(name);
    }

    /** This reset as a statement. */
    public String toSql() {
      return renderReset(name);
    }
  }

  /** {@code RESET ALL}. */
  record ResetAll() implements SessionCommand {}

  /** What a DISCARD statement drops. */
  enum DiscardScope {
    /** {@code DISCARD ALL}: everything, including all settings (like RESET ALL) and prepared statements. */
    ALL,
    /** {@code DISCARD PLANS} */
    PLANS,
    /** {@code DISCARD SEQUENCES} */
    SEQUENCES,
    /** {@code DISCARD TEMP} / {@code DISCARD TEMPORARY} */
    TEMP
  }

  /**
   * {@code DISCARD …}.
   *
   * @param scope what is discarded
   */
  record Discard(DiscardScope scope) implements SessionCommand {
    /** Validates the scope is present. */
    public Discard {
      Objects.requireNonNull(scope, "scope");
    }
  }

  /**
   * {@code DEALLOCATE [PREPARE] name}.
   *
   * @param statementName the prepared statement's name as Postgres resolves it
   */
  record Deallocate(String statementName) implements SessionCommand {
    /** Validates the name is present. */
    public Deallocate {
      requireName(statementName);
    }
  }

  /** {@code DEALLOCATE [PREPARE] ALL}. */
  record DeallocateAll() implements SessionCommand {}

  /**
   * A session-state change that cannot be replayed on another connection: SET ROLE, SET SESSION
   * AUTHORIZATION (also via {@code SET role = …}), {@code SET … FROM CURRENT}, and SET forms this
   * parser does not recognize.
   *
   * @param feature what was used, for the error message (e.g. "SET ROLE")
   * @param sessionScoped true if the feature is one that requires session pooling by design
   *     (DESIGN §5.3), rather than merely unrecognized
   */
  record Untrackable(String feature, boolean sessionScoped) implements SessionCommand {
    /** Validates the feature is named. */
    public Untrackable {
      requireName(feature);
    }
  }

  private static void requireName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("empty name");
    }
  }
}
