package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which startup-packet entries are settings, and how they are reported back as ParameterStatus. */
class StartupParametersTest {

  @Test
  void settings_leaveOutLoginFieldsAndProtocolOptions_andReadTheOptionsField() {
    Map<String, String> startup = new LinkedHashMap<>();
    startup.put("user", "app");
    startup.put("database", "shop");
    startup.put("_pq_.command_marker", "1");
    startup.put("Application_Name", "billing");
    startup.put("options", "-c search_path=app,public --statement-timeout=5s -cwork_mem=64MB -c lc_messages=C\\ x");

    Map<String, String> s = StartupParameters.of(startup).settings();

    assertThat(s).containsOnlyKeys("application_name", "search_path", "statement_timeout", "work_mem", "lc_messages");
    assertThat(s).containsEntry("search_path", "app,public").containsEntry("statement_timeout", "5s")
        .containsEntry("work_mem", "64MB").containsEntry("lc_messages", "C x");
  }

  @Test
  void reported_overridesTheOriginsValues_normalizedAsPostgresReportsThem() {
    Map<String, String> origin = new LinkedHashMap<>();
    origin.put("client_encoding", "UTF8");
    origin.put("DateStyle", "ISO, MDY");
    origin.put("TimeZone", "UTC");
    StartupParameters p = StartupParameters.of(Map.of("client_encoding", "latin-1", "datestyle", "dmy",
        "timezone", "Europe/Paris", "application_name", "psql"));

    Map<String, String> reported = p.reported(origin);

    assertThat(reported).containsEntry("client_encoding", "LATIN1").containsEntry("DateStyle", "ISO, DMY")
        .containsEntry("TimeZone", "Europe/Paris").containsEntry("application_name", "psql");
  }

  @Test
  void dateStyle_completesTheHalfTheClientLeftOut() {
    assertThat(StartupParameters.dateStyle("SQL", "ISO, MDY")).isEqualTo("SQL, MDY");
    assertThat(StartupParameters.dateStyle("ymd", "Postgres, DMY")).isEqualTo("Postgres, YMD");
    assertThat(StartupParameters.dateStyle("German", "ISO, MDY")).isEqualTo("German, DMY");
    assertThat(StartupParameters.dateStyle("German, YMD", "ISO, MDY")).isEqualTo("German, YMD");
    assertThat(StartupParameters.dateStyle("iso, euro", "ISO, MDY")).isEqualTo("ISO, DMY");
  }
}
