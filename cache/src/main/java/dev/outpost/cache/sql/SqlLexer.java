package dev.outpost.cache.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * A lexer for Postgres SQL text that follows the server's own scanner ({@code scan.l}) closely
 * enough that statement classification never mistakes the inside of a string, a quoted
 * identifier, a dollar-quoted body or a comment for code.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>It never throws on any input. Unterminated strings, quoted identifiers and block comments
 *       become one token running to the end of the text with {@link Token#terminated()} false; a
 *       character Postgres would reject becomes an {@link TokenType#OTHER} token.
 *   <li>Tokens are returned in source order, do not overlap, and only whitespace lies between
 *       them; comments are tokens (hints live in them).
 *   <li>Unquoted identifiers are lower-cased in ASCII only (as the server does for UTF-8
 *       databases) and, like quoted ones, truncated to 63 bytes (NAMEDATALEN - 1).
 * </ul>
 *
 * <p>Not decoded: the {@code UESCAPE} clause after {@code U&'…'} / {@code U&"…"} (the default
 * escape character {@code \} is assumed for the {@link Token#value()}); the token boundaries are
 * right either way.
 */
public final class SqlLexer {

  private static final String OPERATOR_CHARS = "+-*/<>=~!@#%^&|`?";
  /** An operator containing one of these may end in + or - (see the Postgres docs on operators). */
  private static final String OPERATOR_SPECIAL_CHARS = "~!@#%^&|`?";

  private final String sql;
  private final boolean standardConformingStrings;
  private final List<Token> tokens = new ArrayList<>();
  private int pos;
  /**
   * In shape mode (see {@link #shape}) the shape being written instead of tokens, else null; values
   * are then not decoded, and {@link #scratch} collects what a value would have held.
   */
  private final StringBuilder shape;
  private final StringBuilder scratch;
  /** Shape mode: a token without a shape was met (unterminated, or one Postgres would reject). */
  private boolean shapeless;
  /** Shape mode: the last code token's type and end (-1 before the first). */
  private TokenType shapePrevious;
  private int shapePreviousEnd = -1;

  private SqlLexer(String sql, boolean standardConformingStrings, boolean shapeMode) {
    this.sql = sql;
    this.standardConformingStrings = standardConformingStrings;
    this.shape = shapeMode ? new StringBuilder(sql.length()) : null;
    this.scratch = shapeMode ? new StringBuilder() : null;
  }

  /** Tokenizes {@code sql} assuming {@code standard_conforming_strings = on} (the default since 9.1). */
  public static List<Token> tokenize(String sql) {
    return tokenize(sql, true);
  }

  /**
   * Tokenizes {@code sql}. With {@code standardConformingStrings} false, backslashes escape in
   * plain '…' strings too, as they do on a server with that setting off.
   */
  public static List<Token> tokenize(String sql, boolean standardConformingStrings) {
    SqlLexer lexer = new SqlLexer(sql == null ? "" : sql, standardConformingStrings, false);
    lexer.run();
    return List.copyOf(lexer.tokens);
  }

  /**
   * The shape of {@code sql}: its code tokens as written, separated as {@link
   * SqlStatements#normalize} separates them, with each string constant as U+0001 and each numeric
   * one as U+0002 — characters that no other token outside a quoted identifier can hold, so two
   * texts of one shape differ in their constants only. Scanned exactly as {@link #tokenize(String)}
   * scans, without making tokens or decoding values. Null when a token is unterminated or one
   * Postgres would reject ({@link TokenType#OTHER}, which may be anything).
   */
  static String shape(String sql) {
    SqlLexer lexer = new SqlLexer(sql == null ? "" : sql, true, true);
    lexer.run();
    return lexer.shapeless ? null : lexer.shape.toString();
  }

  /** A builder for a value being decoded: a fresh one, or in shape mode the emptied scratch. */
  private StringBuilder valueBuilder() {
    if (scratch == null) {
      return new StringBuilder();
    }
    scratch.setLength(0);
    return scratch;
  }

  private void run() {
    int n = sql.length();
    while (pos < n && !shapeless) {
      char c = sql.charAt(pos);
      if (isSpace(c)) {
        pos++;
      } else if (c == '-' && peek(1) == '-') {
        lineComment();
      } else if (c == '/' && peek(1) == '*') {
        blockComment();
      } else if (c == '\'') {
        string(pos, pos, !standardConformingStrings);
      } else if (c == '"') {
        quotedIdentifier(pos, pos);
      } else if (isIdentStart(c)) {
        wordOrPrefixedLiteral();
      } else if (isDigit(c) || (c == '.' && isDigit(peek(1)))) {
        number();
      } else if (c == '$') {
        dollar();
      } else {
        punctuationOrOperator(c);
      }
    }
  }

  private void lineComment() {
    int start = pos;
    int end = start;
    while (end < sql.length() && sql.charAt(end) != '\n' && sql.charAt(end) != '\r') {
      end++;
    }
    add(TokenType.LINE_COMMENT, start, end, shape != null ? null : sql.substring(start + 2, end), false, true);
  }

  private void blockComment() {
    int start = pos;
    int depth = 0;
    int i = start;
    while (i < sql.length()) {
      if (sql.startsWith("/*", i)) {
        depth++;
        i += 2;
      } else if (sql.startsWith("*/", i)) {
        depth--;
        i += 2;
        if (depth == 0) {
          add(TokenType.BLOCK_COMMENT, start, i, shape != null ? null : sql.substring(start + 2, i - 2), false, true);
          return;
        }
      } else {
        i++;
      }
    }
    add(TokenType.BLOCK_COMMENT, start, i, shape != null ? null : sql.substring(start + 2), false, false);
  }

  /**
   * A '…' string starting with its quote at {@code quote}; the token starts at {@code start} so
   * that a prefix (E, B, X, N, U&amp;) is part of it.
   */
  private void string(int start, int quote, boolean backslashEscapes) {
    StringBuilder value = valueBuilder();
    int i = quote + 1;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\'') {
        if (i + 1 < n && sql.charAt(i + 1) == '\'') {
          value.append('\'');
          i += 2;
          continue;
        }
        add(TokenType.STRING, start, i + 1, shape != null ? null : value.toString(), false, true);
        return;
      }
      if (c == '\\' && backslashEscapes) {
        i = escape(i, value);
        continue;
      }
      value.append(c);
      i++;
    }
    add(TokenType.STRING, start, n, shape != null ? null : value.toString(), false, false);
  }

  /** Decodes one backslash escape of an E'…' string at {@code i}; returns the index after it. */
  private int escape(int i, StringBuilder out) {
    int n = sql.length();
    if (i + 1 >= n) {
      return n; // a lone trailing backslash: the string is unterminated anyway
    }
    char e = sql.charAt(i + 1);
    switch (e) {
      case 'b' -> out.append('\b');
      case 'f' -> out.append('\f');
      case 'n' -> out.append('\n');
      case 'r' -> out.append('\r');
      case 't' -> out.append('\t');
      case 'x' -> {
        int end = scanWhile(i + 2, Math.min(n, i + 4), SqlLexer::isHexDigit);
        if (end > i + 2) {
          out.append((char) Integer.parseInt(sql.substring(i + 2, end), 16));
          return end;
        }
        out.append('x');
      }
      case 'u', 'U' -> {
        int len = e == 'u' ? 4 : 8;
        int end = scanWhile(i + 2, Math.min(n, i + 2 + len), SqlLexer::isHexDigit);
        if (end == i + 2 + len) {
          LiteralDecoding.appendCodePoint(out, sql.substring(i + 2, end));
          return end;
        }
        out.append(e);
      }
      default -> {
        if (e >= '0' && e <= '7') {
          int end = scanWhile(i + 1, Math.min(n, i + 4), c -> c >= '0' && c <= '7');
          out.append((char) (Integer.parseInt(sql.substring(i + 1, end), 8) & 0xFF));
          return end;
        }
        out.append(e);
      }
    }
    return i + 2;
  }

  private void quotedIdentifier(int start, int quote) {
    StringBuilder value = valueBuilder();
    int i = quote + 1;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '"') {
        if (i + 1 < n && sql.charAt(i + 1) == '"') {
          value.append('"');
          i += 2;
          continue;
        }
        if (shape != null) {
          add(TokenType.IDENTIFIER, start, i + 1, null, true, true);
          return;
        }
        String name = start == quote ? value.toString() : LiteralDecoding.decodeUnicodeEscapes(value.toString());
        add(TokenType.IDENTIFIER, start, i + 1, LiteralDecoding.truncate(name), true, true);
        return;
      }
      value.append(c);
      i++;
    }
    add(TokenType.IDENTIFIER, start, n, shape != null ? null : LiteralDecoding.truncate(value.toString()), true, false);
  }

  private void wordOrPrefixedLiteral() {
    char c = sql.charAt(pos);
    char next = peek(1);
    if (next == '\'') {
      switch (c) {
        case 'e', 'E' -> {
          string(pos, pos + 1, true);
          return;
        }
        case 'b', 'B', 'x', 'X', 'n', 'N' -> {
          string(pos, pos + 1, false);
          return;
        }
        default -> {}
      }
    }
    if ((c == 'u' || c == 'U') && next == '&') {
      if (peek(2) == '\'' && shape != null) {
        string(pos, pos + 2, false); // the decoded value is not needed
        return;
      }
      if (peek(2) == '\'') {
        int before = tokens.size();
        string(pos, pos + 2, false);
        Token raw = tokens.remove(before);
        tokens.add(
            new Token(
                raw.type(), raw.text(), LiteralDecoding.decodeUnicodeEscapes(raw.value()), raw.start(), raw.end(),
                false, raw.terminated()));
        return;
      }
      if (peek(2) == '"') {
        quotedIdentifier(pos, pos + 2);
        return;
      }
    }
    int start = pos;
    int end = scanWhile(start + 1, sql.length(), SqlLexer::isIdentPart);
    if (shape != null) {
      add(TokenType.IDENTIFIER, start, end, null, false, true);
      return;
    }
    String text = sql.substring(start, end);
    add(TokenType.IDENTIFIER, start, end, LiteralDecoding.truncate(LiteralDecoding.asciiLower(text)), false, true);
  }

  private void number() {
    int start = pos;
    int n = sql.length();
    int i = start;
    char c0 = sql.charAt(i);
    char c1 = Character.toLowerCase(peek(1));
    if (c0 == '0' && (c1 == 'x' || c1 == 'o' || c1 == 'b')) {
      int end = scanWhile(i + 2, n, ch -> isHexDigit(ch) || ch == '_');
      if (end > i + 2) {
        addText(TokenType.NUMBER, start, end);
        return;
      }
    }
    i = scanWhile(i, n, ch -> isDigit(ch) || ch == '_');
    // A '.' belongs to the number unless it starts '..' (a PL/pgSQL range, kept as two dots).
    if (i < n && sql.charAt(i) == '.' && !(i + 1 < n && sql.charAt(i + 1) == '.')) {
      i = scanWhile(i + 1, n, ch -> isDigit(ch) || ch == '_');
    }
    if (i < n && (sql.charAt(i) == 'e' || sql.charAt(i) == 'E')) {
      int j = i + 1;
      if (j < n && (sql.charAt(j) == '+' || sql.charAt(j) == '-')) {
        j++;
      }
      if (j < n && isDigit(sql.charAt(j))) {
        i = scanWhile(j, n, SqlLexer::isDigit);
      }
    }
    addText(TokenType.NUMBER, start, i);
  }

  private void dollar() {
    int start = pos;
    int n = sql.length();
    if (isDigit(peek(1))) {
      addText(TokenType.PARAMETER, start, scanWhile(start + 1, n, SqlLexer::isDigit));
      return;
    }
    int tagEnd = start + 1;
    if (tagEnd < n && isDollarTagStart(sql.charAt(tagEnd))) {
      tagEnd = scanWhile(tagEnd + 1, n, SqlLexer::isDollarTagPart);
    }
    if (tagEnd < n && sql.charAt(tagEnd) == '$') {
      String tag = sql.substring(start, tagEnd + 1);
      int bodyStart = tagEnd + 1;
      int close = sql.indexOf(tag, bodyStart);
      if (close < 0) {
        add(TokenType.STRING, start, n, shape != null ? null : sql.substring(bodyStart), false, false);
      } else {
        add(TokenType.STRING, start, close + tag.length(), shape != null ? null : sql.substring(bodyStart, close), false,
            true);
      }
      return;
    }
    addText(TokenType.OTHER, start, start + 1);
  }

  private void punctuationOrOperator(char c) {
    int start = pos;
    switch (c) {
      case '(' -> addText(TokenType.LEFT_PAREN, start, start + 1);
      case ')' -> addText(TokenType.RIGHT_PAREN, start, start + 1);
      case '[' -> addText(TokenType.LEFT_BRACKET, start, start + 1);
      case ']' -> addText(TokenType.RIGHT_BRACKET, start, start + 1);
      case ',' -> addText(TokenType.COMMA, start, start + 1);
      case ';' -> addText(TokenType.SEMICOLON, start, start + 1);
      case '.' -> addText(TokenType.DOT, start, start + 1);
      case ':' -> {
        if (peek(1) == ':') {
          addText(TokenType.DOUBLE_COLON, start, start + 2);
        } else if (peek(1) == '=') {
          addText(TokenType.OPERATOR, start, start + 2);
        } else {
          addText(TokenType.COLON, start, start + 1);
        }
      }
      default -> {
        if (OPERATOR_CHARS.indexOf(c) >= 0) {
          operator();
        } else {
          addText(TokenType.OTHER, start, start + 1);
        }
      }
    }
  }

  /** Follows the server's rules: stop before a comment start; trim a trailing + or - unless special. */
  private void operator() {
    int start = pos;
    int end = start;
    while (end < sql.length() && OPERATOR_CHARS.indexOf(sql.charAt(end)) >= 0) {
      if (end > start && (sql.startsWith("--", end) || sql.startsWith("/*", end))) {
        break;
      }
      end++;
    }
    String op = sql.substring(start, end);
    if (op.length() > 1 && op.chars().noneMatch(ch -> OPERATOR_SPECIAL_CHARS.indexOf(ch) >= 0)) {
      while (end - start > 1 && (sql.charAt(end - 1) == '+' || sql.charAt(end - 1) == '-')) {
        end--;
      }
    }
    addText(TokenType.OPERATOR, start, end);
  }

  private void add(TokenType type, int start, int end, String value, boolean quoted, boolean terminated) {
    if (shape != null) {
      addToShape(type, start, end, terminated);
    } else {
      tokens.add(new Token(type, sql.substring(start, end), value, start, end, quoted, terminated));
    }
    pos = end;
  }

  private void addText(TokenType type, int start, int end) {
    if (shape != null) {
      addToShape(type, start, end, true);
    } else {
      String text = sql.substring(start, end);
      tokens.add(new Token(type, text, text, start, end, false, true));
    }
    pos = end;
  }

  /** Shape mode: writes one token as {@link SqlStatements#normalize} would with placeholders. */
  private void addToShape(TokenType type, int start, int end, boolean terminated) {
    if (!terminated || type == TokenType.OTHER) {
      shapeless = true;
      return;
    }
    if (type.isComment()) {
      return;
    }
    if (shapePreviousEnd >= 0 && start > shapePreviousEnd) {
      boolean keepNewline = false;
      if (shapePrevious == TokenType.STRING && type == TokenType.STRING) {
        int newline = sql.indexOf('\n', shapePreviousEnd);
        keepNewline = newline >= 0 && newline < start;
      }
      shape.append(keepNewline ? '\n' : ' ');
    }
    if (type == TokenType.STRING) {
      shape.append('\u0001');
    } else if (type == TokenType.NUMBER) {
      shape.append('\u0002');
    } else {
      shape.append(sql, start, end);
    }
    shapePrevious = type;
    shapePreviousEnd = end;
  }

  private char peek(int ahead) {
    int i = pos + ahead;
    return i < sql.length() ? sql.charAt(i) : '\0';
  }

  private int scanWhile(int from, int limit, CharPredicate p) {
    int i = from;
    while (i < limit && p.test(sql.charAt(i))) {
      i++;
    }
    return i;
  }

  @FunctionalInterface
  private interface CharPredicate {
    boolean test(char c);
  }

  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000B';
  }

  /** Postgres treats every non-ASCII character as a letter (scan.l's ident_start includes \200-\377). */
  private static boolean isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
  }

  private static boolean isIdentPart(char c) {
    return isIdentStart(c) || isDigit(c) || c == '$';
  }

  private static boolean isDollarTagStart(char c) {
    return isIdentStart(c);
  }

  private static boolean isDollarTagPart(char c) {
    return isIdentStart(c) || isDigit(c);
  }

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  static boolean isHexDigit(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
