package dev.outpost.cache.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HintsTest {

  private static Hints hints(String sql) {
    return StatementClassifier.classify(sql).hints();
  }

  @Test
  void hints_noComment_isNone() {
    assertThat(hints("SELECT 1")).isEqualTo(Hints.NONE);
  }

  @Test
  void hints_nocacheInBlockComment_bypasses() {
    assertThat(hints("/* outpost:nocache */ SELECT 1").bypass()).isTrue();
  }

  @Test
  void hints_nocacheInLineCommentAtEnd_bypasses() {
    assertThat(hints("SELECT 1 -- OUTPOST:NOCACHE").bypass()).isTrue();
  }

  @Test
  void hints_cacheWithOverrides_parsesDurations() {
    Hints h = hints("SELECT /* outpost:cache max-age=300s swr=30s */ 1");
    assertThat(h.forceCache()).isTrue();
    assertThat(h.maxAge()).contains(Duration.ofSeconds(300));
    assertThat(h.staleWhileRevalidate()).contains(Duration.ofSeconds(30));
  }

  @Test
  void hints_allDurationUnits_parse() {
    assertThat(Hints.parseDuration("500ms")).contains(Duration.ofMillis(500));
    assertThat(Hints.parseDuration("15s")).contains(Duration.ofSeconds(15));
    assertThat(Hints.parseDuration("10m")).contains(Duration.ofMinutes(10));
    assertThat(Hints.parseDuration("1h")).contains(Duration.ofHours(1));
    assertThat(Hints.parseDuration("2d")).contains(Duration.ofDays(2));
  }

  @Test
  void hints_badDurations_areEmpty() {
    for (String bad : new String[] {"", "s", "10", "10x", "-5s", "1.5s", "99999999999999s", "١٠s"}) {
      assertThat(Hints.parseDuration(bad)).as(bad).isEmpty();
    }
    assertThat(Hints.parseDuration(null)).isEmpty();
  }

  @Test
  void hints_badOverride_isIgnoredOthersKept() {
    Hints h = hints("SELECT 1 /* outpost:cache max-age=forever swr=10s */");
    assertThat(h.forceCache()).isTrue();
    assertThat(h.maxAge()).isEmpty();
    assertThat(h.staleWhileRevalidate()).contains(Duration.ofSeconds(10));
  }

  @Test
  void hints_cacheWithoutArguments_forcesWithDefaults() {
    Hints h = hints("SELECT 1 /* outpost:cache */");
    assertThat(h.forceCache()).isTrue();
    assertThat(h.maxAge()).isEmpty();
  }

  @Test
  void hints_unknownDirective_isIgnored() {
    assertThat(hints("SELECT 1 /* outpost:turbo outpost:cached */")).isEqualTo(Hints.NONE);
  }

  @Test
  void hints_hintInsideString_isIgnored() {
    assertThat(hints("SELECT '/* outpost:nocache */'")).isEqualTo(Hints.NONE);
  }

  @Test
  void hints_nocacheAndCache_nocacheWins() {
    Hints h = hints("/* outpost:cache max-age=5s */ SELECT 1 -- outpost:nocache");
    assertThat(h.bypass()).isTrue();
    assertThat(h.forceCache()).isFalse();
  }

  @Test
  void hints_inNestedComment_areFound() {
    assertThat(hints("SELECT 1 /* outer /* outpost:nocache */ */").bypass()).isTrue();
  }

  @Test
  void hints_inLaterStatementOfMultiStatement_applyToText() {
    assertThat(hints("SELECT 1; SELECT 2 /* outpost:nocache */").bypass()).isTrue();
  }

  @Test
  void hints_freeTextAfterArguments_stopsArgumentParsing() {
    Hints h = hints("SELECT 1 /* outpost:cache max-age=5s because reasons swr=1s */");
    assertThat(h.maxAge()).contains(Duration.ofSeconds(5));
    assertThat(h.staleWhileRevalidate()).isEmpty();
  }

  @Test
  void hints_record_rejectsContradictions() {
    assertThatThrownBy(() -> new Hints(true, true, Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Hints(false, true, Optional.of(Duration.ofSeconds(-1)), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
