package dev.outpost.cache.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits SQL text into statements and normalizes statement text, both on top of {@link SqlLexer}
 * so that semicolons and whitespace inside literals, quoted identifiers and comments are never
 * touched.
 */
public final class SqlStatements {

  private SqlStatements() {}

  /**
   * Splits a (possibly multi-statement) text at top-level semicolons and returns the non-empty
   * statements in order, each trimmed to its first and last token.
   *
   * <p>A semicolon does not split inside a string, dollar-quoted body, quoted identifier, comment
   * or parentheses, nor inside the {@code BEGIN ATOMIC … END} body of {@code CREATE FUNCTION} /
   * {@code CREATE PROCEDURE}. A statement consisting only of comments is empty and dropped; a
   * comment before a statement stays with it (hints live there).
   */
  public static List<String> split(String sql) {
    String text = sql == null ? "" : sql;
    List<String> out = new ArrayList<>();
    for (List<Token> statement : splitTokens(SqlLexer.tokenize(text))) {
      Token first = statement.get(0);
      Token last = statement.get(statement.size() - 1);
      out.add(text.substring(first.start(), last.end()));
    }
    return List.copyOf(out);
  }

  /**
   * Splits a token list into statements; each list excludes the separating semicolon and keeps
   * comments. Statements without a non-comment token are dropped.
   */
  static List<List<Token>> splitTokens(List<Token> tokens) {
    List<List<Token>> out = new ArrayList<>();
    List<Token> current = new ArrayList<>();
    BoundaryTracker tracker = new BoundaryTracker();
    for (Token t : tokens) {
      if (t.is(TokenType.SEMICOLON) && tracker.atTopLevel()) {
        addIfNotEmpty(out, current);
        current = new ArrayList<>();
        tracker = new BoundaryTracker();
        continue;
      }
      tracker.accept(t);
      current.add(t);
    }
    addIfNotEmpty(out, current);
    return out;
  }

  private static void addIfNotEmpty(List<List<Token>> out, List<Token> statement) {
    if (statement.stream().anyMatch(t -> !t.type().isComment())) {
      out.add(List.copyOf(statement));
    }
  }

  /**
   * Returns {@code sql} with comments removed and every run of whitespace and comments between two
   * tokens replaced by one space, trimmed. Token text (literals, dollar bodies, quoted identifiers)
   * is copied verbatim. The one exception keeps meaning intact: Postgres concatenates two string
   * literals only when a newline separates them, so such a gap becomes a single newline.
   */
  public static String normalize(String sql) {
    String text = sql == null ? "" : sql;
    return normalize(text, SqlLexer.tokenize(text));
  }

  static String normalize(String source, List<Token> tokens) {
    StringBuilder out = new StringBuilder();
    Token previous = null;
    for (Token t : tokens) {
      if (t.type().isComment()) {
        continue;
      }
      if (previous != null && t.start() > previous.end()) {
        boolean keepNewline =
            previous.is(TokenType.STRING)
                && t.is(TokenType.STRING)
                && source.substring(previous.end(), t.start()).indexOf('\n') >= 0;
        out.append(keepNewline ? '\n' : ' ');
      }
      out.append(t.text());
      previous = t;
    }
    return out.toString();
  }
}
