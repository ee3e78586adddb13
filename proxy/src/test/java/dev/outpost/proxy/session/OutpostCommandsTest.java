package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
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

  @Test
  void mayStartCommand_rulesOutOnlyTextsWhoseFirstKeywordCannotBeSetResetOrShow() {
    assertThat(mayStart("SET outpost.cache = off")).isTrue();
    assertThat(mayStart(" \n\treset outpost.cache")).isTrue();
    assertThat(mayStart("show outpost.cache")).isTrue();
    assertThat(mayStart("-- comment\nSET outpost.cache = off")).isTrue();
    assertThat(mayStart("/* c */ set outpost.cache to on")).isTrue();
    assertThat(mayStart("\u000bSET outpost.cache = off")).as("vertical tab: left to the full check").isTrue();
    assertThat(mayStart("\u00e9")).as("non-ASCII start: left to the full check").isTrue();
    assertThat(mayStart("SELECT 1")).isFalse();
    assertThat(mayStart("SETTINGS")).isFalse();
    assertThat(mayStart("set_config('a', 'b', false)")).isFalse();
    assertThat(mayStart("shows")).isFalse();
    assertThat(mayStart("SET;")).isTrue();
    assertThat(mayStart("select")).isFalse();
    assertThat(mayStart("  insert into t values (1)")).isFalse();
    assertThat(mayStart("")).isFalse();
  }

  @Test
  void mayStartCommand_readsFromTheGivenOffset() {
    ByteBuf buf = Unpooled.copiedBuffer("show\0SELECT 1\0", StandardCharsets.UTF_8);
    assertThat(OutpostCommands.mayStartCommand(buf, 0)).isTrue();
    assertThat(OutpostCommands.mayStartCommand(buf, 5)).isFalse();
    buf.release();
  }

  private static boolean mayStart(String sql) {
    ByteBuf buf = Unpooled.copiedBuffer(sql + "\0", StandardCharsets.UTF_8);
    try {
      return OutpostCommands.mayStartCommand(buf, 0);
    } finally {
      buf.release();
    }
  }
}
