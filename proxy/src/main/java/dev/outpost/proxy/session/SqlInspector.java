package dev.outpost.proxy.session;

import dev.outpost.cache.sql.SessionCommand;
import dev.outpost.cache.sql.SqlStatements;
import dev.outpost.cache.sql.StatementClassifier;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The questions the session asks about SQL text, answered by the cache module's lexer and
 * classifier (never by regular expressions over raw text; the substring test below only skips
 * the lexer for texts that cannot contain the words it looks for).
 */
final class SqlInspector {
  private static final String[] SESSION_WORDS = {"listen", "prepare", "advisory", "temp", "role", "authorization",
      "hold"};

  private SqlInspector() {}

  /** A feature that needs a dedicated session (LISTEN, SQL PREPARE, …), if {@code sql} uses one. */
  static Optional<String> sessionScopedFeature(String sql) {
    if (!mayMention(sql, SESSION_WORDS)) {
      return Optional.empty();
    }
    return StatementClassifier.classify(sql).sessionScopedFeature();
  }

  /** The session commands of the first statement of {@code sql} (empty for other statements). */
  static List<SessionCommand> sessionCommands(String sql) {
    return SessionCommand.parse(sql);
  }

  /** The statements of a simple-query string, in order. */
  static List<String> statements(String sql) {
    return SqlStatements.split(sql);
  }

  private static boolean mayMention(String sql, String[] words) {
    String lower = sql.toLowerCase(Locale.ROOT);
    for (String w : words) {
      if (lower.contains(w)) {
        return true;
      }
    }
    return false;
  }
}
