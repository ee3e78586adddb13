package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SET/RESET in transaction pooling: a client sees its own settings on whichever backend runs its
 * next transaction, and another client never sees them, even on the same single backend.
 */
class SessionSettingsIT {
  private static TestOrigin origin;
  private static TestNode node;
  private static String db;

  @BeforeAll
  static void start() throws Exception {
    origin = TestOrigin.shared();
    db = origin.createDatabase("settings");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE SCHEMA other AUTHORIZATION " + TestOrigin.APP_USER,
          "CREATE TABLE public.whereami (v text)", "INSERT INTO public.whereami VALUES ('public')",
          "CREATE TABLE other.whereami (v text)", "INSERT INTO other.whereami VALUES ('other')",
          "GRANT SELECT ON public.whereami, other.whereami TO " + TestOrigin.APP_USER);
    }
    node = TestNode.start(origin, db, b -> b.poolSize(1));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @ParameterizedTest(name = "preferQueryMode={0}")
  @ValueSource(strings = {"simple", "extended"})
  void set_byOneClient_seenByItsLaterQueries_neverByAnother(String mode) throws Exception {
    String params = "preferQueryMode=" + mode + "&ApplicationName=";
    try (Connection a = node.connect(params + "client-a"); Connection b = node.connect(params + "client-b")) {
      String defaultZone = Sql.value(b, "SHOW TimeZone");
      Sql.exec(a, "SET TimeZone = 'Asia/Tokyo'", "SET search_path TO other, public",
          "SET application_name = 'renamed-a'");
      for (int i = 0; i < 3; i++) {
        // with one backend, every query of b runs right after a's on the same connection
        assertThat(Sql.value(a, "SHOW TimeZone")).isEqualTo("Asia/Tokyo");
        assertThat(Sql.value(b, "SHOW TimeZone")).isEqualTo(defaultZone);
        assertThat(Sql.value(a, "SELECT v FROM whereami")).isEqualTo("other");
        assertThat(Sql.value(b, "SELECT v FROM whereami")).isEqualTo("public");
        assertThat(Sql.value(a, "SELECT current_setting('application_name')")).isEqualTo("renamed-a");
        assertThat(Sql.value(b, "SELECT current_setting('application_name')")).isEqualTo("client-b");
      }
      Sql.exec(a, "RESET TimeZone");
      assertThat(Sql.value(a, "SHOW TimeZone")).isEqualTo(defaultZone);
      assertThat(Sql.value(a, "SELECT v FROM whereami")).isEqualTo("other");
    }
  }

  @ParameterizedTest(name = "preferQueryMode={0}")
  @ValueSource(strings = {"simple", "extended"})
  void set_insideRolledBackTransaction_doesNotStick(String mode) throws Exception {
    try (Connection a = node.connect("preferQueryMode=" + mode); Connection b = node.connect()) {
      String before = Sql.value(a, "SHOW search_path");
      a.setAutoCommit(false);
      Sql.exec(a, "SET search_path TO other");
      assertThat(Sql.value(a, "SELECT v FROM whereami")).isEqualTo("other");
      a.rollback();
      a.setAutoCommit(true);
      assertThat(Sql.value(a, "SHOW search_path")).isEqualTo(before);
      assertThat(Sql.value(b, "SHOW search_path")).isEqualTo(before);
      a.setAutoCommit(false);
      Sql.exec(a, "SET search_path TO other");
      a.commit();
      a.setAutoCommit(true);
      assertThat(Sql.value(b, "SELECT v FROM whereami")).isEqualTo("public");
      assertThat(Sql.value(a, "SELECT v FROM whereami")).isEqualTo("other");
    }
  }

  @ParameterizedTest(name = "preferQueryMode={0}, assumeMinServerVersion={1}")
  @CsvSource({"simple,9.0", "extended,9.0", "simple,8.4", "extended,8.4"})
  void resetAllAndDiscardAll_behaveAsDirect(String mode, String assumeVersion) throws Exception {
    // With assumeMinServerVersion >= 9.0 pgjdbc sends application_name in the startup packet
    // (RESET ALL returns to it); below that it runs SET application_name (RESET ALL clears it).
    String params = "preferQueryMode=" + mode + "&ApplicationName=start-name&assumeMinServerVersion=" + assumeVersion;
    try (Connection direct = DriverManager.getConnection(origin.appJdbcUrl(db, params));
        Connection proxied = node.connect(params)) {
      assertThat(script(proxied)).isEqualTo(script(direct));
    }
  }

  private static List<String> script(Connection c) throws Exception {
    List<String> seen = new ArrayList<>();
    String read = "SELECT current_setting('application_name') || '|' || current_setting('TimeZone')";
    seen.add(Sql.value(c, read));
    Sql.exec(c, "SET application_name = 'changed'", "SET TimeZone = 'Europe/Paris'");
    seen.add(Sql.value(c, read));
    Sql.exec(c, "RESET ALL");
    seen.add(Sql.value(c, read));
    Sql.exec(c, "SET application_name = 'again'", "RESET TimeZone");
    seen.add(Sql.value(c, read));
    Sql.exec(c, "DISCARD ALL");
    seen.add(Sql.value(c, read));
    return seen;
  }

  @ParameterizedTest(name = "preferQueryMode={0}")
  @ValueSource(strings = {"simple", "extended"})
  void setLocal_endsWithItsTransaction(String mode) throws Exception {
    try (Connection a = node.connect("preferQueryMode=" + mode)) {
      String before = Sql.value(a, "SHOW TimeZone");
      a.setAutoCommit(false);
      Sql.exec(a, "SET LOCAL TimeZone = 'Pacific/Auckland'");
      assertThat(Sql.value(a, "SHOW TimeZone")).isEqualTo("Pacific/Auckland");
      a.commit();
      a.setAutoCommit(true);
      assertThat(Sql.value(a, "SHOW TimeZone")).isEqualTo(before);
    }
  }
}
