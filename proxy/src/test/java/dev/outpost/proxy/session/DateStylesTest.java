package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** DateStyle commands folded as Postgres merges them (check_datestyle). */
class DateStylesTest {

  @Test
  void partOfAValue_keepsTheOtherPartInForce() {
    String dmy = DateStyles.after(null, "'ISO, DMY'");
    assertThat(dmy).isEqualTo("SET datestyle = 'ISO, DMY'");
    assertThat(DateStyles.after(dmy, "'ISO'")).isEqualTo("SET datestyle = 'ISO, DMY'");
    assertThat(DateStyles.after(dmy, "'SQL'")).isEqualTo("SET datestyle = 'SQL, DMY'");
    assertThat(DateStyles.after(dmy, "mdy")).isEqualTo("SET datestyle = 'ISO, MDY'");
  }

  @Test
  void aPartAlone_overTheServersDefault_resetsFirst() {
    String iso = DateStyles.after(null, "'ISO'");
    assertThat(iso).isEqualTo("RESET datestyle; SET datestyle = 'ISO'");
    assertThat(DateStyles.after(iso, "'European'")).isEqualTo("SET datestyle = 'ISO, DMY'");
    assertThat(DateStyles.after(null, "'ymd'")).isEqualTo("RESET datestyle; SET datestyle = 'YMD'");
  }

  @Test
  void german_setsDayFirst_unlessTheValueNamesAnOrder() {
    assertThat(DateStyles.after(null, "'German'")).isEqualTo("SET datestyle = 'GERMAN, DMY'");
    assertThat(DateStyles.after(null, "'German, MDY'")).isEqualTo("SET datestyle = 'GERMAN, MDY'");
    assertThat(DateStyles.after(null, "'MDY, German'")).isEqualTo("SET datestyle = 'GERMAN, MDY'");
  }

  @Test
  void default_goesBackToTheServersValue_andUnknownWordsAreLeftAlone() {
    assertThat(DateStyles.after("SET datestyle = 'SQL, DMY'", "DEFAULT")).isEqualTo("RESET datestyle");
    assertThat(DateStyles.after(null, "'ISO, Klingon'")).isNull();
    assertThat(DateStyles.after("SELECT pg_catalog.set_config('datestyle', 'x', false)", "'ISO'")).isNull();
  }
}
