package dev.outpost.cache.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClassificationCacheTest {
  @Test
  void classify_sameText_returnsTheSameResultAsTheClassifier() {
    ClassificationCache cache = new ClassificationCache(10);
    String sql = "SELECT * FROM orders WHERE id = $1 /* outpost:nocache */";
    Classification first = cache.classify(sql);
    assertThat(first).isEqualTo(StatementClassifier.classify(sql));
    assertThat(cache.classify(sql)).isSameAs(first);
  }

  @Test
  void classify_manyTexts_staysBounded() {
    ClassificationCache cache = new ClassificationCache(10, Runnable::run);
    for (int i = 0; i < 1000; i++) {
      assertThat(cache.classify("SELECT " + i).kind()).isEqualTo(StatementKind.READ);
    }
    assertThat(cache.size()).isLessThanOrEqualTo(10);
  }
}
