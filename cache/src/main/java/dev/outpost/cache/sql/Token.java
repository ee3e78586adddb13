package dev.outpost.cache.sql;

import java.util.Objects;

/**
 * One lexical token of a SQL text.
 *
 * <p>{@code text} is the exact source slice {@code [start, end)}. {@code value} is the meaning:
 * for identifiers the name as Postgres resolves it (unquoted words lower-cased in ASCII only and,
 * like the server, truncated to 63 bytes); for strings the decoded content; for comments the body
 * without delimiters; for everything else the text itself. {@code terminated} is false only for a
 * string, quoted identifier or block comment that runs to the end of the input — Postgres would
 * reject such a statement, so classifiers must be conservative about it.
 *
 * @param type the lexical category
 * @param text the exact source text
 * @param value the resolved value (see above)
 * @param start offset of the first character in the source
 * @param end offset after the last character in the source
 * @param quoted true for a double-quoted (or U&amp;"…") identifier
 * @param terminated false when the token was cut off by the end of the input
 */
public record Token(
    TokenType type, String text, String value, int start, int end, boolean quoted, boolean terminated) {

  /** Validates positions and non-null parts. */
  public Token {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(value, "value");
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("bad token range [" + start + ", " + end + ")");
    }
  }

  /** True if this is the unquoted word {@code lowerCaseWord} (a keyword test). */
  public boolean isWord(String lowerCaseWord) {
    return type == TokenType.IDENTIFIER && !quoted && value.equals(lowerCaseWord);
  }

  /** True if this is an unquoted word that Postgres reserves (it can never name a table or column). */
  public boolean isReservedKeyword() {
    return type == TokenType.IDENTIFIER && !quoted && Keywords.isReserved(value);
  }

  /** True for an identifier token, quoted or not. */
  public boolean isIdentifier() {
    return type == TokenType.IDENTIFIER;
  }

  /** True if this token has the given type. */
  public boolean is(TokenType other) {
    return type == other;
  }
}
