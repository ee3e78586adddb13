package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** DateStyle commands folded as Postgres merges them (check_datestyle). */
class DateStylesTest {

  @Test
  void partOfAValue_keepsTheOtherPartInForce() {
    String dmy = DateStyles.after(null, "'ISO, DMY'", null);
    assertThat(dmy).isEqualTo("SET datestyle = 'ISO, DMY'");
    assertThat(DateStyles.after(dmy, "'ISO'", null)).isEqualTo("SET datestyle = 'ISO, DMY'");
    assertThat(DateStyles.after(dmy, "'SQL'", null)).isEqualTo("SET datestyle = 'SQL, DMY'");
    assertThat(DateStyles.after(dmy, "mdy", null)).isEqualTo("SET datestyle = 'ISO, MDY'");
  }

  @Test
  void aPartAlone_overTheServersDefault_resetsFirst() {
    String iso = DateStyles.after(null, "'ISO'", null);
    assertThat(iso).isEqualTo("RESET datestyle; SET datestyle = 'ISO'");
    assertThat(DateStyles.after(iso, "'European'", null)).isEqualTo("SET datestyle = 'ISO, DMY'");
    assertThat(DateStyles.after(null, "'ymd'", null)).isEqualTo("RESET datestyle; SET datestyle = 'YMD'");
  }

  @Test
  void german_setsDayFirst_unlessTheValueNamesAnOrder() {
    assertThat(DateStyles.after(null, "'German'", null)).isEqualTo("SET datestyle = 'GERMAN, DMY'");
    assertThat(DateStyles.after(null, "'German, MDY'", null)).isEqualTo("SET datestyle = 'GERMAN, MDY'");
    assertThat(DateStyles.after(null, "'MDY, German'", null)).isEqualTo("SET datestyle = 'GERMAN, MDY'");
  }

  /** {@code SET datestyle = 'ISO', 'DMY'} is a list of two literals, as valid as one. */
  @Test
  void aListOfLiterals_isOneValue() {
    String dmy = DateStyles.after(null, "'ISO', 'DMY'", null);
    assertThat(dmy).isEqualTo("SET datestyle = 'ISO, DMY'");
    assertThat(DateStyles.after(dmy, "'SQL'", null)).isEqualTo("SET datestyle = 'SQL, DMY'");
    assertThat(DateStyles.after(null, "ISO, 'it''s'", null)).isNull();
    assertThat(DateStyles.after(null, "'ISO", null)).isNull();
  }

  /** DEFAULT fills in the parts the value has not given from the session's reset value. */
  @Test
  void default_fillsTheUngivenPartsFromTheResetValue() {
    String sqlDmy = "SET datestyle = 'SQL, DMY'";
    assertThat(DateStyles.after(sqlDmy, "DEFAULT", null)).isEqualTo("RESET datestyle");
    assertThat(DateStyles.after(sqlDmy, "'SQL, default'", null)).isEqualTo("RESET datestyle; SET datestyle = 'SQL'");
    assertThat(DateStyles.after(null, "'default'", sqlDmy)).isEqualTo(sqlDmy);
    assertThat(DateStyles.after(null, "'Postgres, default'", sqlDmy)).isEqualTo("SET datestyle = 'POSTGRES, DMY'");
  }

  @Test
  void unknownWords_areLeftAlone() {
    assertThat(DateStyles.after(null, "'ISO, Klingon'", null)).isNull();
    assertThat(DateStyles.after("SELECT pg_catalog.set_config('datestyle', 'x', false)", "'ISO'", null)).isNull();
  }
}
