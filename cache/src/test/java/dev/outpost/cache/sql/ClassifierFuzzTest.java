package dev.outpost.cache.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated inputs must never make the lexer, splitter, classifier or session parser
 * throw, and malformed text must never be classified as a cacheable READ. Fixed seeds, bounded
 * counts: the same inputs every run.
 */
class ClassifierFuzzTest {

  private static final String ALPHABET =
      "abcSELECTfromWHERE()[],;.:'\"$-/*+=<>!@#%^&|`?\\{}_0123456789 \t\nEe&Uu\u00e9\u4e2d";

  private static final List<String> FRAGMENTS =
      List.of("SELECT", "FROM", "WITH", "AS", "(", ")", "'", "E'\\'", "$$", "$t$", "/*", "*/", "--",
          "\n", "\"", "::", "numeric(", "INSERT INTO", "UPDATE", "SET", "JOIN", "ON", "FOR UPDATE",
          "CASE", "END", "BEGIN ATOMIC", "CREATE FUNCTION", ";", ",", "now()", "ARRAY[", "]", "$1",
          "ROWS FROM", "TABLESAMPLE", "LATERAL", "VALUES", "UNION", "INTO", "DO", "EXPLAIN ANALYZE");

  @Test
  void classify_randomCharacters_neverThrow() {
    Random random = new Random(20240611L);
    for (int i = 0; i < 3_000; i++) {
      StringBuilder s = new StringBuilder();
      int len = random.nextInt(80);
      for (int j = 0; j < len; j++) {
        s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      exercise(s.toString());
    }
  }

  @Test
  void classify_randomFragmentSequences_neverThrow() {
    Random random = new Random(7L);
    for (int i = 0; i < 3_000; i++) {
      StringBuilder s = new StringBuilder();
      int len = random.nextInt(25);
      for (int j = 0; j < len; j++) {
        s.append(FRAGMENTS.get(random.nextInt(FRAGMENTS.size()))).append(random.nextBoolean() ? " " : "");
        if (random.nextInt(4) == 0) {
          s.append("t").append(random.nextInt(3));
        }
      }
      exercise(s.toString());
    }
  }

  @Test
  void classify_truncatedAndMutatedTableRows_neverThrow() {
    Random random = new Random(99L);
    for (ClassificationCase row : StatementClassifierTableTest.rows()) {
      String sql = row.sql;
      for (int cut = 0; cut <= sql.length(); cut++) {
        exercise(sql.substring(0, cut));
      }
      for (int k = 0; k < 20; k++) {
        StringBuilder m = new StringBuilder(sql);
        int at = random.nextInt(m.length() + 1);
        m.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        if (m.length() > 1) {
          m.deleteCharAt(random.nextInt(m.length()));
        }
        exercise(m.toString());
      }
    }
  }

  private static void exercise(String sql) {
    List<Token> tokens = SqlLexer.tokenize(sql);
    for (Token t : tokens) {
      assertThat(sql.substring(t.start(), t.end())).isEqualTo(t.text());
    }
    SqlStatements.split(sql);
    SqlStatements.normalize(sql);
    SessionCommand.parse(sql);
    Classification c = StatementClassifier.classify(sql);
    StatementClassifier.classifyEach(sql);
    if (c.malformed()) {
      assertThat(c.kind()).as(sql).isNotEqualTo(StatementKind.READ);
      assertThat(c.isCacheCandidate()).as(sql).isFalse();
    }
    if (c.kind() == StatementKind.EMPTY) {
      assertThat(c.statementCount()).isZero();
    }
  }
}
