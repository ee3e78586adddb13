package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The cheap gate every statement passes before Outpost looks for its own outpost.cache command. */
class OutpostCommandsTest {

  @Test
  void firstWord_skipsWhitespaceAndComments() {
    assertThat(OutpostCommands.firstWord("SET outpost.cache = off")).isEqualTo("set");
    assertThat(OutpostCommands.firstWord("  \n\tShow outpost.cache")).isEqualTo("show");
    assertThat(OutpostCommands.firstWord("-- why\nRESET outpost.cache")).isEqualTo("reset");
    assertThat(OutpostCommands.firstWord("/* a /* nested */ comment */ set outpost.cache to on")).isEqualTo("set");
  }

  @Test
  void firstWord_ofOrdinaryStatements_isNeverASettingKeyword() {
    assertThat(OutpostCommands.firstWord("SELECT val FROM outpost_bench_kv WHERE id = $1")).isEqualTo("select");
    assertThat(OutpostCommands.firstWord("settings_table_scan")).isNotEqualTo("set");
    assertThat(OutpostCommands.firstWord("(SELECT 1)")).isEmpty();
    assertThat(OutpostCommands.firstWord("-- only a comment")).isEmpty();
    assertThat(OutpostCommands.firstWord("/* unterminated")).isEmpty();
    assertThat(OutpostCommands.firstWord("")).isEmpty();
  }

  @Test
  void bool_acceptsPostgresSpellingsOfOnAndOff() {
    assertThat(OutpostCommands.bool("'on'")).isTrue();
    assertThat(OutpostCommands.bool("true")).isTrue();
    assertThat(OutpostCommands.bool("DEFAULT")).isTrue();
    assertThat(OutpostCommands.bool("'off'")).isFalse();
    assertThat(OutpostCommands.bool("0")).isFalse();
    assertThat(OutpostCommands.bool("maybe")).isNull();
  }
}
