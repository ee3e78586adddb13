package dev.outpost.cache.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ClassificationCache#codeFacts} remembers facts per shape: that is only right if no fact
 * depends on the value of a constant. Every text of the classifier's table, and random texts made
 * of the fuzz test's fragments, must have the facts of the same text with other constants.
 */
class CodeFactsByShapeTest {

  static Stream<String> tableTexts() {
    return StatementClassifierTableTest.rows().stream().map(r -> r.sql);
  }

  @ParameterizedTest
  @MethodSource("tableTexts")
  void codeFacts_ofATableText_areThoseOfTheTextWithOtherConstants(String sql) {
    assertSameFactsWithOtherConstants(sql);
  }

  @Test
  void codeFacts_ofRandomFragmentTexts_areThoseOfTheTextWithOtherConstants() {
    List<String> fragments = List.of("SELECT", "FROM t", "WHERE", "a", "=", "42", "'now'", "1.5e3", "E'x\\'y'",
        "$$body$$", "$1", "(", ")", ",", ";", "set_config(", "DO", "CALL p(", "UPDATE pg_settings SET", "INSERT INTO",
        "VALUES", "WITH w AS (", "DELETE FROM u", "RETURNING *", "f(", "s.g(", "::", "mytype", "INTERVAL", "'1 day'",
        "||", "@>", "?", "'{1,2}'", "CASE", "WHEN", "THEN", "END", "INTO", "x", "'case'", "'end'", "'from'",
        // what makes a session-scoped feature, with constants around it
        "LISTEN", "PREPARE", "pg_advisory_lock(", "TEMP", "SET ROLE", "SET", "role", "TO", "'none'", "DEFAULT",
        "SESSION AUTHORIZATION", "LOCAL", "DECLARE c CURSOR", "WITH HOLD FOR", "CREATE TEMP TABLE tt",
        "ON COMMIT DROP");
    Random random = new Random(20261129L);
    for (int i = 0; i < 3_000; i++) {
      StringBuilder s = new StringBuilder();
      int n = 1 + random.nextInt(14);
      for (int j = 0; j < n; j++) {
        s.append(fragments.get(random.nextInt(fragments.size()))).append(random.nextInt(4) == 0 ? "" : " ");
      }
      assertSameFactsWithOtherConstants(s.toString());
    }
  }

  @Test
  void codeFacts_ofTextsOfOneShape_classifyTheFirstOnly() {
    ClassificationCache cache = new ClassificationCache(1 << 20, Runnable::run);
    CodeFacts first = cache.codeFacts("SELECT abalance FROM pgbench_accounts WHERE aid = 12345 /* trace 1 */");
    CodeFacts second = cache.codeFacts("SELECT abalance  FROM pgbench_accounts WHERE aid = 7");
    assertThat(second).isSameAs(first);
    assertThat(cache.size()).as("no text was kept").isZero();
    assertThat(cache.codeFacts("SELECT abalance FROM pgbench_accounts WHERE aid = 7 + f(1)"))
        .as("another shape")
        .isNotSameAs(first)
        .extracting(CodeFacts::functionCalls).isEqualTo(java.util.Set.of(FunctionRef.of(null, "f")));
  }

  @Test
  void codeFacts_byShape_holdNoConstant() {
    ClassificationCache cache = new ClassificationCache(1 << 20, Runnable::run);
    CodeFacts f = cache.codeFacts("SELECT secret FROM accounts WHERE password = 'hunter2' AND id = 42 AND x::mytype = 1");
    assertThat(f.mentionText()).doesNotContain("hunter2").doesNotContain("42").contains("mytype");
  }

  @Test
  void codeFacts_ofAClassifiedText_areThoseOfItsShape() {
    ClassificationCache cache = new ClassificationCache(1 << 20, Runnable::run);
    String sql = "SELECT set_config('role', 'x', false) FROM t WHERE a = 'mytype'";
    Classification c = cache.classify(sql);
    CodeFacts facts = cache.codeFacts(sql);
    assertThat(facts).isSameAs(cache.codeFacts("SELECT set_config('role', 'y', false) FROM t WHERE a = 'b'"));
    assertThat(facts.untrackedStateChange()).isEqualTo(CodeFacts.of(c).untrackedStateChange()).contains("set_config()");
    assertThat(facts.functionCalls()).isEqualTo(CodeFacts.of(c).functionCalls());
    assertThat(facts.kind()).isEqualTo(c.kind());
  }

  @Test
  void shape_constantsAndOperatorsNeverCollide() {
    // a string, the operator ?, a string — against the operator ?? and a string: other operators
    assertThat(shape("SELECT '1'?'2'")).isNotEqualTo(shape("SELECT ??'2'"));
    assertThat(shape("SELECT 1?2")).isNotEqualTo(shape("SELECT '1'?2"));
    assertThat(shape("SELECT a FROM t WHERE b = 'x' -- c")).isEqualTo(shape("SELECT a FROM t  WHERE b = 'yy'"));
  }

  @Test
  void shape_ofAnUnterminatedOrInvalidText_isNone() {
    assertThat(shape("SELECT 'abc")).isNull();
    assertThat(shape("SELECT \"abc")).isNull();
    assertThat(shape("SELECT 1 \\ 2")).isNull();
    ClassificationCache cache = new ClassificationCache(1 << 20, Runnable::run);
    assertThat(cache.codeFacts("SELECT 'abc").kind()).isEqualTo(StatementKind.OTHER);
  }

  private static String shape(String sql) {
    return SqlLexer.shape(sql);
  }

  /**
   * The shape by its definition, from the tokens: normalized, with constants as U+0001 (strings)
   * and U+0002 (numbers); none when a token is unterminated or rejected.
   */
  private static String shapeFromTokens(String sql) {
    List<Token> tokens = SqlLexer.tokenize(sql);
    List<Token> masked = new java.util.ArrayList<>();
    for (Token t : tokens) {
      if (!t.terminated() || t.is(TokenType.OTHER)) {
        return null;
      }
      String placeholder = t.is(TokenType.STRING) ? "\u0001" : t.is(TokenType.NUMBER) ? "\u0002" : null;
      masked.add(placeholder == null ? t
          : new Token(t.type(), placeholder, t.value(), t.start(), t.end(), t.quoted(), true));
    }
    return SqlStatements.normalize(sql, masked);
  }

  static Stream<String> lexerTexts() {
    Random random = new Random(11L);
    String alphabet = "abcSELECTfromWHERE()[],;.:'\"$-/*+=<>!@#%^&|`?\\{}_0123456789 \t\nEe&Uu\u00e9\u4e2d";
    List<String> fragments = List.of("SELECT", "'a'", "'b'\n'c'", "E'\\''", "$$x$$", "$t$y$t$", "/* c */", "-- c\n",
        "\"Q\"", "U&'d'", "U&\"e\"", "B'1'", "X'f'", "1.5e3", "0x1F", ".5", "$1", "::", "||", "?", " ", "\n", "t1",
        "'unterminated", "\"unterminated", "/* unterminated", "\\");
    Stream.Builder<String> texts = Stream.builder();
    tableTexts().forEach(texts::add);
    for (int i = 0; i < 2_000; i++) {
      StringBuilder s = new StringBuilder();
      int n = random.nextInt(60);
      for (int j = 0; j < n; j++) {
        s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      texts.add(s.toString());
      StringBuilder f = new StringBuilder();
      for (int j = random.nextInt(12); j >= 0; j--) {
        f.append(fragments.get(random.nextInt(fragments.size())));
      }
      texts.add(f.toString());
    }
    return texts.build();
  }

  @Test
  void shape_scannedWithoutTokens_isTheShapeOfTheTokens() {
    lexerTexts().forEach(sql -> assertThat(SqlLexer.shape(sql)).as("shape of %s", sql).isEqualTo(shapeFromTokens(sql)));
  }

  /** Facts of {@code sql}, then of the same text with each constant replaced, through a shared cache. */
  private static void assertSameFactsWithOtherConstants(String sql) {
    List<Token> tokens = SqlLexer.tokenize(sql);
    String other = withOtherConstants(sql, tokens);
    CodeFacts direct = CodeFacts.of(StatementClassifier.classify(sql));
    CodeFacts ofOther = CodeFacts.of(StatementClassifier.classify(other));
    assertThat(withoutText(ofOther)).as("facts of %s and of %s", sql, other).isEqualTo(withoutText(direct));
    ClassificationCache cache = new ClassificationCache(1 << 20, Runnable::run);
    cache.codeFacts(other); // the shape's first text
    assertThat(withoutText(cache.codeFacts(sql))).as("by shape: %s", sql).isEqualTo(withoutText(direct));
  }

  private static String withOtherConstants(String sql, List<Token> tokens) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    for (Token t : tokens) {
      if (t.terminated() && (t.is(TokenType.STRING) || t.is(TokenType.NUMBER))) {
        out.append(sql, at, t.start()).append(t.is(TokenType.STRING) ? "'zz'" : "7");
        at = t.end();
      }
    }
    return out.append(sql, at, sql.length()).toString();
  }

  private static CodeFacts withoutText(CodeFacts f) {
    return f.mentioning("");
  }
}
