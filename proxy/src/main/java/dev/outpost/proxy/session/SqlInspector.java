package dev.outpost.proxy.session;

import dev.outpost.cache.sql.SessionCommand;
import dev.outpost.cache.sql.SqlStatements;
import dev.outpost.cache.sql.StatementClassifier;
import java.util.List;
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

  /** Whether any of the lower-case {@code words} occurs in {@code sql}, ignoring case (no copy of the text). */
  static boolean mayMention(String sql, String[] words) {
    long firstLetters = 0; // bit i: some word starts with 'a' + i
    for (String w : words) {
      firstLetters |= 1L << (w.charAt(0) - 'a');
    }
    int n = sql.length();
    for (int i = 0; i < n; i++) {
      int letter = (sql.charAt(i) | 0x20) - 'a'; // ASCII letters of either case map to 0..25
      if (letter < 0 || letter > 25 || (firstLetters & (1L << letter)) == 0) {
        continue;
      }
      for (String w : words) {
        if (w.charAt(0) - 'a' == letter && startsWithIgnoringCase(sql, i, w)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether {@code sql} has the lower-case ASCII {@code word} at {@code at}, in any case. */
  private static boolean startsWithIgnoringCase(String sql, int at, String word) {
    int len = word.length();
    if (at + len > sql.length()) {
      return false;
    }
    for (int k = 1; k < len; k++) {
      char c = sql.charAt(at + k);
      if (c != word.charAt(k) && (c | 0x20) != word.charAt(k)) {
        return false;
      }
    }
    return true;
  }
}
