package dev.outpost.cache.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClassificationCacheTest {
  @Test
  void classify_sameText_returnsTheSameResultAsTheClassifier() {
    ClassificationCache cache = new ClassificationCache(64 * 1024);
    String sql = "SELECT * FROM orders WHERE id = $1 /* outpost:nocache */";
    Classification first = cache.classify(sql);
    assertThat(first).isEqualTo(StatementClassifier.classify(sql));
    assertThat(cache.classify(sql)).isSameAs(first);
  }

  @Test
  void classify_manyTexts_staysWithinItsBytes() {
    long bound = 64 * 1024;
    ClassificationCache cache = new ClassificationCache(bound, Runnable::run);
    String padding = "x".repeat(1000);
    for (int i = 0; i < 1000; i++) {
      assertThat(cache.classify("SELECT '" + padding + "', " + i).kind()).isEqualTo(StatementKind.READ);
    }
    assertThat(cache.weightedBytes()).isLessThanOrEqualTo(bound);
    assertThat(cache.size()).as("texts of ~1 KB, weighing ~4 KB each").isBetween(1L, 16L);
  }

  @Test
  void classify_aTextLargerThanTheBound_isClassifiedButNotKept() {
    ClassificationCache cache = new ClassificationCache(64 * 1024, Runnable::run);
    String bulk = "INSERT INTO t (a) VALUES " + "(1), ".repeat(20_000) + "(2)";
    assertThat(cache.classify(bulk).writeTables()).containsExactly(TableRef.of("t"));
    assertThat(cache.size()).isZero();
    assertThat(cache.weightedBytes()).isZero();
  }
}
