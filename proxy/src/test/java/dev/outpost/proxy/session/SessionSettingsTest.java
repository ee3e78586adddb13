package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.sql.SessionCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How a client's settings are carried from backend to backend (DESIGN §5.3) and which of them
 * enter the cache key. End-to-end behaviour is in SessionSettingsIT; this pins the SQL produced.
 */
class SessionSettingsTest {

  private final SessionSettings settings =
      new SessionSettings(Map.of("TimeZone", "Europe/Paris", "application_name", "billing"));

  @Test
  void startupValues_areAppliedWithSetConfig_soListsAndQuotesSurvive() {
    SessionSettings s = new SessionSettings(Map.of("search_path", "app, \"$user\", it's"));

    assertThat(s.current()).containsEntry("search_path",
        "SELECT pg_catalog.set_config('search_path', 'app, \"$user\", it''s', false)");
    assertThat(SessionSettings.quoteLiteral("C:\\tmp")).isEqualTo("E'C:\\\\tmp'");
  }

  @Test
  void difference_sendsOnlyWhatChanged_andNothingForTheSameSnapshot() {
    Map<String, String> applied = settings.current();
    assertThat(SessionSettings.difference(applied, settings.current())).isNull();

    settings.set("DateStyle", "'ISO, DMY'");
    String sql = SessionSettings.difference(applied, settings.current());

    assertThat(sql).isEqualTo("SET datestyle = 'ISO, DMY'");
  }

  @Test
  void difference_resetsWhatTheBackendHasButTheClientDoesNot() {
    settings.set("extra_float_digits", "3");
    Map<String, String> backend = settings.current();
    settings.reset("extra_float_digits");

    assertThat(SessionSettings.difference(backend, settings.current())).isEqualTo("RESET extra_float_digits");
  }

  @Test
  void reset_ofAStartupValue_returnsToTheStartupValue_notTheServerDefault() {
    settings.set("timezone", "'UTC'");
    settings.reset("TimeZone");

    assertThat(settings.current().get("timezone")).contains("'Europe/Paris'");
    settings.set("timezone", "'UTC'");
    settings.resetAll();
    assertThat(settings.current().get("timezone")).contains("'Europe/Paris'");
  }

  @Test
  void difference_isNothing_forAnotherClientWithTheSameSettings() {
    SessionSettings other = new SessionSettings(Map.of("TimeZone", "Europe/Paris", "search_path", "billing"));
    SessionSettings same = new SessionSettings(Map.of("search_path", "billing", "TimeZone", "Europe/Paris"));

    assertThat(SessionSettings.difference(other.current(), same.current())).isNull();
  }

  @Test
  void startupSnapshots_ofClientsWithTheSameParameters_areOneObject_soChoosingABackendComparesNothing() {
    Map<String, String> params = new java.util.LinkedHashMap<>();
    params.put("application_name", "shared-snapshot-test");
    params.put("TimeZone", "UTC");
    SessionSettings a = new SessionSettings(params);
    SessionSettings b = new SessionSettings(params);
    Map<String, String> reordered = new java.util.LinkedHashMap<>();
    reordered.put("TimeZone", "UTC");
    reordered.put("application_name", "shared-snapshot-test");
    SessionSettings c = new SessionSettings(reordered);

    assertThat(b.current()).isSameAs(a.current());
    assertThat(c.current()).as("another order is another snapshot").isNotSameAs(a.current()).isEqualTo(a.current());
    b.set("search_path", "app");
    assertThat(a.current()).as("a SET changes only its own session").doesNotContainKey("search_path");
    assertThat(SessionSettings.difference(a.current(), b.current())).isEqualTo("SET search_path = app");
  }

  @Test
  void unknownBackend_getsRoleAndSettingsReset_evenForAClientWithNoSettings() {
    SessionSettings none = new SessionSettings(Map.of());

    assertThat(SessionSettings.difference(SessionSettings.UNKNOWN, none.current()))
        .isEqualTo("SET SESSION AUTHORIZATION DEFAULT; RESET ALL");
  }

  @Test
  void untrackedChange_makesTheCacheKeySettingsTheSessionsOwn_untilTrackedAgain() {
    SessionSettings other = new SessionSettings(Map.of("TimeZone", "Europe/Paris", "application_name", "reports"));
    String shared = settings.cacheKeySettings();
    assertThat(other.cacheKeySettings()).isEqualTo(shared);

    settings.untrackedChange();
    String own = settings.cacheKeySettings();
    other.untrackedChange();

    assertThat(own).isNotEqualTo(shared).contains(SessionSettings.UNTRACKED_KEY);
    assertThat(other.cacheKeySettings()).as("two sessions never share an untracked state").isNotEqualTo(own);
    settings.untrackedChange();
    assertThat(settings.cacheKeySettings()).as("each untracked change starts a new state").isNotEqualTo(own);
    assertThat(settings.current()).as("the token is never sent to a backend")
        .doesNotContainKey(SessionSettings.UNTRACKED_KEY);

    settings.trackedAgain();
    assertThat(settings.cacheKeySettings()).isEqualTo(shared);
  }

  @Test
  void unknownBackend_getsResetAllThenEverySetting() {
    String sql = SessionSettings.difference(SessionSettings.UNKNOWN, settings.current());

    assertThat(sql).startsWith("SET SESSION AUTHORIZATION DEFAULT; RESET ALL; ")
        .contains("'timezone', 'Europe/Paris'").contains("'billing'");
  }

  @Test
  void serverStateAfter_followsSetResetAndResetAll_butNotSetLocal() {
    List<SessionCommand> commands = new ArrayList<>();
    commands.addAll(SessionCommand.parse("SET work_mem = '64MB'"));
    commands.addAll(SessionCommand.parse("SET LOCAL lock_timeout = '1s'"));
    commands.addAll(SessionCommand.parse("SET search_path = app"));
    Map<String, String> after = SessionSettings.serverStateAfter(Map.of(), commands);
    assertThat(after).containsOnlyKeys("work_mem", "search_path");

    after = SessionSettings.serverStateAfter(after, SessionCommand.parse("RESET work_mem"));
    assertThat(after).containsOnlyKeys("search_path");
    assertThat(SessionSettings.serverStateAfter(after, SessionCommand.parse("RESET ALL"))).isEmpty();
    assertThat(SessionSettings.serverStateAfter(SessionSettings.UNKNOWN, SessionCommand.parse("SET a.b = 1")))
        .isSameAs(SessionSettings.UNKNOWN);
  }

  @Test
  void cacheKey_ignoresResultNeutralSettings_butNotResultShapingOnes() {
    SessionSettings other = new SessionSettings(Map.of("TimeZone", "Europe/Paris", "application_name", "reports"));
    assertThat(other.cacheKeySettings()).isEqualTo(settings.cacheKeySettings());

    other.set("statement_timeout", "'5s'");
    assertThat(other.cacheKeySettings()).as("a timeout changes no result").isEqualTo(settings.cacheKeySettings());

    other.set("timezone", "'UTC'");
    assertThat(other.cacheKeySettings()).isNotEqualTo(settings.cacheKeySettings());
    other.reset("timezone");
    assertThat(other.cacheKeySettings()).isEqualTo(settings.cacheKeySettings());
  }
}
