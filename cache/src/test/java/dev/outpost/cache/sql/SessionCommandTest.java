package dev.outpost.cache.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.cache.sql.SessionCommand.Deallocate;
import dev.outpost.cache.sql.SessionCommand.DeallocateAll;
import dev.outpost.cache.sql.SessionCommand.Discard;
import dev.outpost.cache.sql.SessionCommand.DiscardScope;
import dev.outpost.cache.sql.SessionCommand.ResetAll;
import dev.outpost.cache.sql.SessionCommand.ResetVariable;
import dev.outpost.cache.sql.SessionCommand.SetVariable;
import dev.outpost.cache.sql.SessionCommand.Untrackable;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionCommandTest {

  private static SessionCommand one(String sql) {
    List<SessionCommand> commands = SessionCommand.parse(sql);
    assertThat(commands).as(sql).hasSize(1);
    return commands.get(0);
  }

  @Test
  void parse_setWithEquals_keepsValueText() {
    assertThat(one("SET TimeZone = 'UTC'")).isEqualTo(new SetVariable("timezone", "'UTC'", false));
  }

  @Test
  void parse_setToWithList_keepsQuotedIdentifiersVerbatim() {
    assertThat(one("SET search_path TO public,  \"My Schema\""))
        .isEqualTo(new SetVariable("search_path", "public, \"My Schema\"", false));
  }

  @Test
  void parse_valueWithComment_dropsTheComment() {
    assertThat(one("SET search_path = a, /* why */ b")).isEqualTo(new SetVariable("search_path", "a, b", false));
  }

  @Test
  void parse_setSession_isNotLocal() {
    assertThat(one("SET SESSION statement_timeout = 5000"))
        .isEqualTo(new SetVariable("statement_timeout", "5000", false));
  }

  @Test
  void parse_setLocal_isLocal() {
    assertThat(one("SET LOCAL work_mem = '64MB'")).isEqualTo(new SetVariable("work_mem", "'64MB'", true));
  }

  @Test
  void parse_dottedCustomName_isLowerCasedAndJoined() {
    assertThat(one("SET outpost.cache = off")).isEqualTo(new SetVariable("outpost.cache", "off", false));
    assertThat(one("SET MyApp.X TO 'y'")).isEqualTo(new SetVariable("myapp.x", "'y'", false));
  }

  @Test
  void parse_setToDefault_isReset() {
    assertThat(one("SET search_path TO DEFAULT")).isEqualTo(new ResetVariable("search_path"));
  }

  @Test
  void parse_setLocalToDefault_staysLocalSet() {
    assertThat(one("SET LOCAL search_path = DEFAULT")).isEqualTo(new SetVariable("search_path", "DEFAULT", true));
  }

  @Test
  void parse_setTimeZone_mapsToTimezone() {
    assertThat(one("SET TIME ZONE 'Europe/Paris'")).isEqualTo(new SetVariable("timezone", "'Europe/Paris'", false));
    assertThat(one("SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE"))
        .isEqualTo(new SetVariable("timezone", "INTERVAL '+02:00' HOUR TO MINUTE", false));
  }

  @Test
  void parse_setTimeZoneLocalOrDefault_isReset() {
    assertThat(one("SET TIME ZONE LOCAL")).isEqualTo(new ResetVariable("timezone"));
    assertThat(one("SET TIME ZONE DEFAULT")).isEqualTo(new ResetVariable("timezone"));
  }

  @Test
  void parse_setNamesAndSchema_mapToTheirSettings() {
    assertThat(one("SET NAMES 'UTF8'")).isEqualTo(new SetVariable("client_encoding", "'UTF8'", false));
    assertThat(one("SET SCHEMA 'app'")).isEqualTo(new SetVariable("search_path", "'app'", false));
  }

  @Test
  void parse_sessionCharacteristics_mapToDefaultTransactionSettings() {
    assertThat(SessionCommand.parse(
            "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY, NOT DEFERRABLE"))
        .containsExactly(
            new SetVariable("default_transaction_isolation", "'repeatable read'", false),
            new SetVariable("default_transaction_read_only", "on", false),
            new SetVariable("default_transaction_deferrable", "off", false));
  }

  @Test
  void parse_setTransaction_isLocal() {
    assertThat(SessionCommand.parse("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE READ WRITE"))
        .containsExactly(
            new SetVariable("transaction_isolation", "'serializable'", true),
            new SetVariable("transaction_read_only", "off", true));
  }

  @Test
  void parse_setFromCurrent_isUntrackable() {
    assertThat(one("SET search_path FROM CURRENT")).isInstanceOf(Untrackable.class);
    assertThat(((Untrackable) one("SET search_path FROM CURRENT")).sessionScoped()).isFalse();
  }

  @Test
  void parse_setRoleAndAuthorization_areSessionScopedUntrackable() {
    for (String sql : List.of("SET ROLE admin", "SET SESSION ROLE admin", "SET role TO admin",
        "SET SESSION AUTHORIZATION bob", "SET session_authorization = bob")) {
      SessionCommand c = one(sql);
      assertThat(c).as(sql).isInstanceOf(Untrackable.class);
      assertThat(((Untrackable) c).sessionScoped()).as(sql).isTrue();
    }
    assertThat(((Untrackable) one("SET ROLE x")).feature()).isEqualTo("SET ROLE");
  }

  @Test
  void parse_setLocalRole_isLocalSet() {
    assertThat(one("SET LOCAL ROLE admin")).isEqualTo(new SetVariable("role", "admin", true));
  }

  @Test
  void parse_malformedSet_isUntrackableNotSessionScoped() {
    for (String sql : List.of("SET", "SET x", "SET x =", "SET 42 = 1")) {
      SessionCommand c = one(sql);
      assertThat(c).as(sql).isInstanceOf(Untrackable.class);
      assertThat(((Untrackable) c).sessionScoped()).isFalse();
    }
  }

  @Test
  void parse_reset_formsMapToNames() {
    assertThat(one("RESET search_path")).isEqualTo(new ResetVariable("search_path"));
    assertThat(one("RESET TIME ZONE")).isEqualTo(new ResetVariable("timezone"));
    assertThat(one("RESET ALL")).isEqualTo(new ResetAll());
    assertThat(one("RESET myapp.x")).isEqualTo(new ResetVariable("myapp.x"));
  }

  @Test
  void parse_discard_allScopes() {
    assertThat(one("DISCARD ALL")).isEqualTo(new Discard(DiscardScope.ALL));
    assertThat(one("DISCARD PLANS")).isEqualTo(new Discard(DiscardScope.PLANS));
    assertThat(one("DISCARD SEQUENCES")).isEqualTo(new Discard(DiscardScope.SEQUENCES));
    assertThat(one("DISCARD TEMP")).isEqualTo(new Discard(DiscardScope.TEMP));
    assertThat(one("DISCARD TEMPORARY")).isEqualTo(new Discard(DiscardScope.TEMP));
  }

  @Test
  void parse_deallocate_nameOrAll() {
    assertThat(one("DEALLOCATE PREPARE \"S1\"")).isEqualTo(new Deallocate("S1"));
    assertThat(one("DEALLOCATE s1")).isEqualTo(new Deallocate("s1"));
    assertThat(one("DEALLOCATE ALL")).isEqualTo(new DeallocateAll());
  }

  @Test
  void parse_nonSessionStatement_isEmpty() {
    assertThat(SessionCommand.parse("SELECT 1")).isEmpty();
    assertThat(SessionCommand.parse("LISTEN x")).isEmpty();
    assertThat(SessionCommand.parse("")).isEmpty();
  }

  @Test
  void parse_commentBeforeSet_isIgnored() {
    assertThat(one("/* app */ SET x = 1")).isEqualTo(new SetVariable("x", "1", false));
  }

  @Test
  void render_plainName_isBare() {
    assertThat(new SetVariable("search_path", "public, \"My Schema\"", false).toSql())
        .isEqualTo("SET search_path = public, \"My Schema\"");
    assertThat(new ResetVariable("timezone").toSql()).isEqualTo("RESET timezone");
  }

  @Test
  void render_dottedName_quotesOnlyPartsThatNeedIt() {
    assertThat(SessionCommand.renderSet("myapp.user id", "1")).isEqualTo("SET myapp.\"user id\" = 1");
    assertThat(SessionCommand.renderSet("outpost.cache", "off")).isEqualTo("SET outpost.cache = off");
    assertThat(SessionCommand.quoteName("app.Mixed")).isEqualTo("app.\"Mixed\"");
  }

  @Test
  void render_reservedWordName_isQuoted() {
    assertThat(SessionCommand.renderReset("x.select")).isEqualTo("RESET x.\"select\"");
  }

  @Test
  void render_timezoneInterval_usesSetTimeZone() {
    assertThat(SessionCommand.renderSet("timezone", "INTERVAL '+02:00' HOUR TO MINUTE"))
        .isEqualTo("SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE");
  }

  @Test
  void render_parsedSet_roundTripsToSameCommand() {
    for (String sql : List.of("SET search_path TO public, \"My Schema\"", "SET TIME ZONE 'UTC'",
        "SET myapp.\"Odd Name\" = 'x'", "SET NAMES 'UTF8'", "SET TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE")) {
      SetVariable parsed = (SetVariable) one(sql);
      assertThat(one(parsed.toSql())).as(sql).isEqualTo(parsed);
    }
  }

  @Test
  void records_rejectEmptyNames() {
    assertThatThrownBy(() -> new SetVariable("", "1", false)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SetVariable("x", "", false)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ResetVariable("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SessionCommand.quoteName("")).isInstanceOf(IllegalArgumentException.class);
  }
}
