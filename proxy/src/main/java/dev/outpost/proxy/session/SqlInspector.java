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
  private static final Words SESSION_WORDS = new Words("listen", "prepare", "advisory", "temp", "role",
      "authorization", "hold");

  private SqlInspector() {}

  /**
   * A feature of {@code sql} that cannot work under transaction pooling (LISTEN, SQL PREPARE, …),
   * if any; the classifier runs only when the text mentions a word it looks for. (What may change
   * settings or the role untracked is the cache service's classification's to say: the session
   * asks it whether the cache is on or off.)
   */
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

  /** The tokens of {@code sql} without comments and semicolons: its words, names and constants. */
  static List<dev.outpost.cache.sql.Token> words(String sql) {
    List<dev.outpost.cache.sql.Token> out = new java.util.ArrayList<>();
    for (dev.outpost.cache.sql.Token t : dev.outpost.cache.sql.SqlLexer.tokenize(sql)) {
      if (!t.type().isComment() && !";".equals(t.text())) {
        out.add(t);
      }
    }
    return out;
  }

  /** The statements of a simple-query string, in order. */
  static List<String> statements(String sql) {
    return SqlStatements.split(sql);
  }

  /** Whether any of {@code words} occurs in {@code sql}, ignoring ASCII case (no copy of the text). */
  static boolean mayMention(String sql, Words words) {
    int n = sql.length();
    for (int i = 0; i < n; i++) {
      int letter = (sql.charAt(i) | 0x20) - 'a'; // ASCII letters of either case map to 0..25
      if (letter < 0 || letter > 25) {
        continue;
      }
      String[] candidates = words.byFirstLetter[letter];
      if (candidates == null) {
        continue;
      }
      for (String w : candidates) {
        if (startsWithIgnoringCase(sql, i, w)) {
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

  /** Lower-case ASCII words, indexed by their first letter for {@link #mayMention}. */
  static final class Words {
    private final String[][] byFirstLetter = new String[26][];

    Words(String... words) {
      for (String w : words) {
        int letter = w.charAt(0) - 'a';
        if (letter < 0 || letter > 25 || !w.equals(w.toLowerCase(java.util.Locale.ROOT))) {
          throw new IllegalArgumentException("not a lower-case ASCII word: " + w);
        }
        String[] old = byFirstLetter[letter];
        String[] next = old == null ? new String[1] : java.util.Arrays.copyOf(old, old.length + 1);
        next[next.length - 1] = w;
        byFirstLetter[letter] = next;
      }
    }
  }
}
