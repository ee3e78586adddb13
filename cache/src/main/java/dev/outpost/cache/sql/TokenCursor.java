package dev.outpost.cache.sql;

import java.util.List;

/** A read position over the non-comment tokens of one statement; never fails past the end. */
final class TokenCursor {

  private static final Token EOF = new Token(TokenType.OTHER, "", "", 0, 0, false, true);

  private final List<Token> tokens;
  private int pos;

  TokenCursor(List<Token> tokens) {
    this.tokens = tokens;
  }

  boolean atEnd() {
    return pos >= tokens.size();
  }

  Token peek() {
    return peek(0);
  }

  Token peek(int ahead) {
    int i = pos + ahead;
    return i >= 0 && i < tokens.size() ? tokens.get(i) : EOF;
  }

  /** The token before the current one, or an EOF marker at the start. */
  Token previous() {
    return peek(-1);
  }

  Token next() {
    Token t = peek();
    if (!atEnd()) {
      pos++;
    }
    return t;
  }

  int position() {
    return pos;
  }

  void reset(int position) {
    pos = position;
  }

  boolean isWord(String word) {
    return peek().isWord(word);
  }

  boolean isWord(int ahead, String word) {
    return peek(ahead).isWord(word);
  }

  boolean is(TokenType type) {
    return peek().is(type);
  }

  boolean is(int ahead, TokenType type) {
    return peek(ahead).is(type);
  }

  /** Consumes the word if it is next. */
  boolean accept(String word) {
    if (isWord(word)) {
      pos++;
      return true;
    }
    return false;
  }

  /** Consumes the words if they are all next, in order; otherwise consumes nothing. */
  boolean acceptAll(String... words) {
    for (int i = 0; i < words.length; i++) {
      if (!isWord(i, words[i])) {
        return false;
      }
    }
    pos += words.length;
    return true;
  }

  boolean accept(TokenType type) {
    if (is(type)) {
      pos++;
      return true;
    }
    return false;
  }

  /** Skips a balanced parenthesis or bracket group starting at the cursor, without analysis. */
  void skipGroup() {
    int depth = 0;
    do {
      Token t = next();
      if (t.is(TokenType.LEFT_PAREN) || t.is(TokenType.LEFT_BRACKET)) {
        depth++;
      } else if (t.is(TokenType.RIGHT_PAREN) || t.is(TokenType.RIGHT_BRACKET)) {
        depth--;
      }
    } while (depth > 0 && !atEnd());
  }

  /** The tokens from the cursor to the end. */
  List<Token> remaining() {
    return tokens.subList(Math.min(pos, tokens.size()), tokens.size());
  }

  /** All tokens of the statement, regardless of the cursor. */
  List<Token> tokensFromStart() {
    return tokens;
  }

  /** Skips everything to the end of the statement. */
  void skipToEnd() {
    pos = tokens.size();
  }

  /**
   * Finds the next unquoted {@code word} at the current nesting level (not inside parentheses or
   * brackets), starting at the cursor; returns its position or -1. Does not move the cursor.
   */
  int findTopLevel(String word) {
    int depth = 0;
    for (int i = pos; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      if (t.is(TokenType.LEFT_PAREN) || t.is(TokenType.LEFT_BRACKET)) {
        depth++;
      } else if (t.is(TokenType.RIGHT_PAREN) || t.is(TokenType.RIGHT_BRACKET)) {
        if (--depth < 0) {
          return -1;
        }
      } else if (depth == 0 && t.isWord(word)) {
        return i;
      }
    }
    return -1;
  }

  /** True if the words appear consecutively at the top level from the cursor on. */
  boolean containsTopLevel(String... words) {
    int depth = 0;
    for (int i = pos; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      if (t.is(TokenType.LEFT_PAREN) || t.is(TokenType.LEFT_BRACKET)) {
        depth++;
      } else if (t.is(TokenType.RIGHT_PAREN) || t.is(TokenType.RIGHT_BRACKET)) {
        depth--;
      } else if (depth == 0 && matchesAt(i, words)) {
        return true;
      }
    }
    return false;
  }

  private boolean matchesAt(int i, String... words) {
    for (int k = 0; k < words.length; k++) {
      if (i + k >= tokens.size() || !tokens.get(i + k).isWord(words[k])) {
        return false;
      }
    }
    return true;
  }
}
