package dev.outpost.cache.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlLexerTest {

  private static List<TokenType> types(String sql) {
    return SqlLexer.tokenize(sql).stream().map(Token::type).toList();
  }

  private static Token only(String sql) {
    List<Token> tokens = SqlLexer.tokenize(sql);
    assertThat(tokens).hasSize(1);
    return tokens.get(0);
  }

  @Test
  void tokenize_unquotedIdentifier_isLowerCased() {
    Token t = only("MyTable");
    assertThat(t.type()).isEqualTo(TokenType.IDENTIFIER);
    assertThat(t.value()).isEqualTo("mytable");
    assertThat(t.text()).isEqualTo("MyTable");
    assertThat(t.quoted()).isFalse();
  }

  @Test
  void tokenize_quotedIdentifierWithDoubledQuote_keepsCaseAndUnescapes() {
    Token t = only("\"Foo\"\"bar\"");
    assertThat(t.value()).isEqualTo("Foo\"bar");
    assertThat(t.quoted()).isTrue();
    assertThat(t.terminated()).isTrue();
  }

  @Test
  void tokenize_nonAsciiIdentifier_isNotCaseFolded() {
    assertThat(only("ÜnïCode").value()).isEqualTo("Ünïcode");
  }

  @Test
  void tokenize_identifierLongerThan63Bytes_isTruncatedLikeTheServer() {
    String longName = "a".repeat(70);
    assertThat(only(longName).value()).hasSize(63);
    // 'é' is two bytes in UTF-8: 31 of them are 62 bytes, the 32nd would exceed 63.
    assertThat(only("\"" + "é".repeat(40) + "\"").value()).isEqualTo("é".repeat(31));
  }

  @Test
  void tokenize_identifierWithDollar_staysOneIdentifier() {
    assertThat(only("a$b$$c").value()).isEqualTo("a$b$$c");
  }

  @Test
  void tokenize_standardString_unescapesDoubledQuote() {
    Token t = only("'it''s'");
    assertThat(t.type()).isEqualTo(TokenType.STRING);
    assertThat(t.value()).isEqualTo("it's");
  }

  @Test
  void tokenize_standardStringWithBackslash_backslashIsLiteral() {
    List<Token> tokens = SqlLexer.tokenize("'a\\' x");
    assertThat(tokens.get(0).value()).isEqualTo("a\\");
    assertThat(tokens.get(1).value()).isEqualTo("x");
  }

  @Test
  void tokenize_withoutStandardConformingStrings_backslashEscapesPlainStrings() {
    Token t = SqlLexer.tokenize("'a\\'b'", false).get(0);
    assertThat(t.value()).isEqualTo("a'b");
    assertThat(t.terminated()).isTrue();
  }

  @Test
  void tokenize_escapeStringWithBackslashQuote_staysInsideString() {
    Token t = only("E'\\'now()'");
    assertThat(t.type()).isEqualTo(TokenType.STRING);
    assertThat(t.value()).isEqualTo("'now()");
  }

  @Test
  void tokenize_escapeString_decodesEscapes() {
    assertThat(only("e'a\\nb\\tc\\x41\\101\\u00e9\\\\'").value()).isEqualTo("a\nb\tcAAé\\");
  }

  @Test
  void tokenize_prefixedStrings_areStringsWithPrefixInText() {
    for (String s : List.of("B'1010'", "X'FF'", "N'abc'", "U&'d\\0061ta'")) {
      Token t = only(s);
      assertThat(t.type()).as(s).isEqualTo(TokenType.STRING);
      assertThat(t.text()).isEqualTo(s);
    }
    assertThat(only("U&'d\\0061ta'").value()).isEqualTo("data");
  }

  @Test
  void tokenize_unicodeQuotedIdentifier_decodesEscapes() {
    Token t = only("U&\"d\\0061t\\+000061\"");
    assertThat(t.quoted()).isTrue();
    assertThat(t.value()).isEqualTo("data");
  }

  @Test
  void tokenize_dollarQuotedBody_isOneStringIncludingQuotesAndSemicolons() {
    Token t = only("$$ it's; -- not a comment $$");
    assertThat(t.type()).isEqualTo(TokenType.STRING);
    assertThat(t.value()).isEqualTo(" it's; -- not a comment ");
  }

  @Test
  void tokenize_taggedDollarQuote_endsOnlyAtSameTag() {
    Token t = only("$fn$ body $$ inner $$ $fn$");
    assertThat(t.value()).isEqualTo(" body $$ inner $$ ");
  }

  @Test
  void tokenize_parameter_isNotADollarQuote() {
    assertThat(types("$1 + $22")).containsExactly(TokenType.PARAMETER, TokenType.OPERATOR, TokenType.PARAMETER);
  }

  @Test
  void tokenize_nestedBlockComment_isOneToken() {
    List<Token> tokens = SqlLexer.tokenize("/* a /* b */ c */ x");
    assertThat(tokens).hasSize(2);
    assertThat(tokens.get(0).type()).isEqualTo(TokenType.BLOCK_COMMENT);
    assertThat(tokens.get(0).value()).isEqualTo(" a /* b */ c ");
    assertThat(tokens.get(1).value()).isEqualTo("x");
  }

  @Test
  void tokenize_lineComment_endsAtNewline() {
    List<Token> tokens = SqlLexer.tokenize("a -- now()\nb");
    assertThat(tokens).extracting(Token::type)
        .containsExactly(TokenType.IDENTIFIER, TokenType.LINE_COMMENT, TokenType.IDENTIFIER);
    assertThat(tokens.get(1).value()).isEqualTo(" now()");
  }

  @Test
  void tokenize_unterminatedString_runsToEndAndIsFlagged() {
    List<Token> tokens = SqlLexer.tokenize("SELECT 'abc; DROP TABLE t");
    Token last = tokens.get(tokens.size() - 1);
    assertThat(last.type()).isEqualTo(TokenType.STRING);
    assertThat(last.terminated()).isFalse();
    assertThat(last.end()).isEqualTo("SELECT 'abc; DROP TABLE t".length());
  }

  @Test
  void tokenize_unterminatedConstructs_areFlagged() {
    for (String s : List.of("/* a /* b */", "\"abc", "$$ abc", "E'abc\\'", "$x$ abc $y$")) {
      List<Token> tokens = SqlLexer.tokenize(s);
      assertThat(tokens.get(tokens.size() - 1).terminated()).as(s).isFalse();
    }
  }

  @Test
  void tokenize_punctuation_hasItsOwnTypes() {
    assertThat(types("( ) [ ] , ; . :: :"))
        .containsExactly(
            TokenType.LEFT_PAREN, TokenType.RIGHT_PAREN, TokenType.LEFT_BRACKET,
            TokenType.RIGHT_BRACKET, TokenType.COMMA, TokenType.SEMICOLON, TokenType.DOT,
            TokenType.DOUBLE_COLON, TokenType.COLON);
  }

  @Test
  void tokenize_operatorFollowedByComment_stopsBeforeComment() {
    List<Token> tokens = SqlLexer.tokenize("a<--c\nb");
    assertThat(tokens.get(1).text()).isEqualTo("<");
    assertThat(tokens.get(2).type()).isEqualTo(TokenType.LINE_COMMENT);
  }

  @Test
  void tokenize_operatorEndingInMinus_isSplitLikeTheServer() {
    assertThat(SqlLexer.tokenize("a=-1").stream().map(Token::text).toList())
        .containsExactly("a", "=", "-", "1");
    assertThat(SqlLexer.tokenize("a@-1").get(1).text()).isEqualTo("@-");
  }

  @Test
  void tokenize_numbers_includeDecimalsExponentsAndRadixPrefixes() {
    assertThat(SqlLexer.tokenize("1 1.5 .5 1e10 2.5E-3 0x1F 1_000").stream().map(Token::text).toList())
        .containsExactly("1", "1.5", ".5", "1e10", "2.5E-3", "0x1F", "1_000");
    assertThat(types("1 1.5 .5")).containsOnly(TokenType.NUMBER);
  }

  @Test
  void tokenize_tokenPositions_coverSourceText() {
    String sql = "SELECT  a, 'b' /* c */ FROM \"T\"";
    for (Token t : SqlLexer.tokenize(sql)) {
      assertThat(sql.substring(t.start(), t.end())).isEqualTo(t.text());
    }
  }

  @Test
  void tokenize_strayCharacters_becomeOtherTokens() {
    assertThat(types("\\ { }")).containsOnly(TokenType.OTHER);
  }

  @Test
  void tokenize_nullOrEmpty_givesNoTokens() {
    assertThat(SqlLexer.tokenize(null)).isEmpty();
    assertThat(SqlLexer.tokenize(" \t\n")).isEmpty();
  }

  @Test
  void token_keywordHelpers_respectQuoting() {
    List<Token> tokens = SqlLexer.tokenize("SELECT \"select\" foo");
    assertThat(tokens.get(0).isWord("select")).isTrue();
    assertThat(tokens.get(0).isReservedKeyword()).isTrue();
    assertThat(tokens.get(1).isWord("select")).isFalse();
    assertThat(tokens.get(1).isReservedKeyword()).isFalse();
    assertThat(tokens.get(2).isReservedKeyword()).isFalse();
  }
}
