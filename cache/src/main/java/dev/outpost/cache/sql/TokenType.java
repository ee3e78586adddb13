package dev.outpost.cache.sql;

/**
 * The lexical categories that {@link SqlLexer} produces.
 *
 * <p>Keywords are not a category of their own: Postgres decides per grammar position whether a
 * word is a keyword, so the lexer reports every word as {@link #IDENTIFIER} and {@link Token}
 * offers {@link Token#isWord(String)} and {@link Token#isReservedKeyword()} for callers that care.
 */
public enum TokenType {
  /** An unquoted word (lower-cased in {@link Token#value()}) or a quoted identifier. */
  IDENTIFIER,
  /** Any string constant: '…', E'…', U&amp;'…', B'…', X'…', N'…' and dollar-quoted bodies. */
  STRING,
  /** A numeric constant such as {@code 42}, {@code 1.5e3}, {@code .5} or {@code 0x1F}. */
  NUMBER,
  /** A positional parameter such as {@code $1}. */
  PARAMETER,
  /** An operator made of Postgres operator characters, e.g. {@code =}, {@code <>}, {@code ->>}. */
  OPERATOR,
  /** {@code (} */
  LEFT_PAREN,
  /** {@code )} */
  RIGHT_PAREN,
  /** {@code [} */
  LEFT_BRACKET,
  /** {@code ]} */
  RIGHT_BRACKET,
  /** {@code ,} */
  COMMA,
  /** {@code ;} */
  SEMICOLON,
  /** {@code .} */
  DOT,
  /** {@code ::} (type cast) */
  DOUBLE_COLON,
  /** {@code :} (array slice bound separator) */
  COLON,
  /** {@code -- …} up to, not including, the end of the line. */
  LINE_COMMENT,
  /** {@code /* … *&#47;}, nested comments included. */
  BLOCK_COMMENT,
  /** A character Postgres would reject (e.g. a stray backslash or brace); kept so nothing is lost. */
  OTHER;

  /** True for both comment types: comments carry hints but never change a statement's meaning. */
  public boolean isComment() {
    return this == LINE_COMMENT || this == BLOCK_COMMENT;
  }
}
