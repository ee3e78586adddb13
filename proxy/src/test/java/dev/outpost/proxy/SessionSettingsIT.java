package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
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

  /**
   * A SET that committed stays, whatever else the transaction went through: ROLLBACK TO a
   * savepoint undoes only the SETs after it, an error recovered by ROLLBACK TO undoes nothing
   * before it, and a COMMIT earlier in one query string is not undone by an error later in it.
   * The other client on the same single backend sees none of it.
   */
  @ParameterizedTest(name = "preferQueryMode={0}")
  @ValueSource(strings = {"simple", "extended"})
  void set_survivesSavepointRollbacksAndLaterErrors_asPostgresKeepsIt(String mode) throws Exception {
    try (Connection a = node.connect("preferQueryMode=" + mode); Connection b = node.connect()) {
      String zone = Sql.value(b, "SHOW TimeZone");
      String style = Sql.value(b, "SHOW IntervalStyle");
      Sql.exec(a, "BEGIN", "SET TimeZone = 'Asia/Tokyo'", "SAVEPOINT s", "SET IntervalStyle = 'sql_standard'",
          "ROLLBACK TO SAVEPOINT s", "COMMIT");
      assertThat(Sql.value(a, "SHOW TimeZone")).isEqualTo("Asia/Tokyo");
      assertThat(Sql.value(a, "SHOW IntervalStyle")).isEqualTo(style);
      assertThat(Sql.value(b, "SHOW TimeZone")).isEqualTo(zone);

      Sql.exec(a, "BEGIN", "SET TimeZone = 'Europe/Lisbon'", "SAVEPOINT s1");
      assertThatThrownBy(() -> Sql.exec(a, "SELECT 1/0")).isInstanceOf(SQLException.class);
      Sql.exec(a, "ROLLBACK TO s1", "SAVEPOINT s2", "SET search_path TO other", "RELEASE SAVEPOINT s2", "COMMIT");
      assertThat(Sql.value(a, "SHOW TimeZone")).isEqualTo("Europe/Lisbon");
      assertThat(Sql.value(a, "SELECT v FROM whereami")).isEqualTo("other");
      assertThat(Sql.value(b, "SHOW TimeZone")).isEqualTo(zone);
      assertThat(Sql.value(b, "SELECT v FROM whereami")).isEqualTo("public");
      Sql.exec(a, "RESET ALL");

      Sql.exec(a, "BEGIN", "SET TimeZone = 'Asia/Tokyo'", "ROLLBACK");
      assertThat(Sql.value(a, "SHOW TimeZone")).as("rolled back").isEqualTo(zone);
    }
    try (RawClient a = new RawClient(node.port()); Connection b = node.connect()) {
      String zone = Sql.value(b, "SHOW TimeZone");
      a.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
      // one Query message: the COMMIT commits the SET; the error afterwards is a transaction of its own
      a.send(RawClient.query("BEGIN; SET TimeZone = 'Asia/Tokyo'; COMMIT; SELECT 1/0"));
      assertThat(a.readUntilReady()).anyMatch(m -> m.type() == 'E');
      a.send(RawClient.query("SHOW TimeZone"));
      assertThat(a.readUntilReady()).filteredOn(m -> m.type() == 'D')
          .singleElement().satisfies(m -> assertThat(new String(m.body(), java.nio.charset.StandardCharsets.UTF_8))
              .contains("Asia/Tokyo"));
      assertThat(Sql.value(b, "SHOW TimeZone")).isEqualTo(zone);
    }
  }

  /**
   * currval() and lastval() never answer with another client's nextval(). With one pooled backend,
   * a client whose nextval() ran before another client's gets the error Postgres gives a session
   * that never called it (it got the other client's value), and so does a new client; inside one
   * transaction they answer as usual.
   */
  @ParameterizedTest(name = "preferQueryMode={0}")
  @ValueSource(strings = {"simple", "extended"})
  void currvalAndLastval_neverAnswerWithAnotherClientsNextval(String mode) throws Exception {
    String seq = "seq_" + mode;
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE SEQUENCE " + seq, "GRANT USAGE, SELECT ON SEQUENCE " + seq + " TO " + TestOrigin.APP_USER);
    }
    String params = "preferQueryMode=" + mode;
    try (Connection a = node.connect(params); Connection b = node.connect(params)) {
      Sql.value(a, "SELECT nextval('" + seq + "')");
      String theirs = Sql.value(b, "SELECT nextval('" + seq + "')");
      assertThat(Sql.sqlstateOf(() -> Sql.value(a, "SELECT currval('" + seq + "')"))).isEqualTo("55000");
      assertThat(Sql.sqlstateOf(() -> Sql.value(a, "SELECT lastval()"))).isEqualTo("55000");
      try (Connection later = node.connect(params)) {
        assertThat(Sql.sqlstateOf(() -> Sql.value(later, "SELECT lastval()"))).isEqualTo("55000");
      }
      // nextval() in SQL that a built-in runs from text
      Sql.value(b, "SELECT query_to_xml('select nextval(''" + seq + "'')', false, false, '')");
      assertThat(Sql.sqlstateOf(() -> Sql.value(a, "SELECT currval('" + seq + "')"))).isEqualTo("55000");
      a.setAutoCommit(false);
      String next = Sql.value(a, "SELECT nextval('" + seq + "')");
      assertThat(next).isNotEqualTo(theirs);
      assertThat(Sql.value(a, "SELECT currval('" + seq + "')")).isEqualTo(next);
      assertThat(Sql.value(a, "SELECT lastval()")).isEqualTo(next);
      a.commit();
    }
  }

  /**
   * Postgres merges a DateStyle value into the one in force: after {@code 'ISO, DMY'} then {@code
   * 'ISO'}, dates still read day first. The node follows the value in force, on another backend and
   * in the cache key: it replayed {@code 'ISO'} alone (month first again), and keyed the session
   * like one that never read day first, so the cache answered it with month-first dates.
   */
  @ParameterizedTest(name = "preferQueryMode={0}")
  @ValueSource(strings = {"simple", "extended"})
  void dateStyle_setInParts_isFollowedAsPostgresMergesIt(String mode) throws Exception {
    String read = "SELECT '11/12/2020'::date::text AS day_" + mode;
    try (Connection a = node.connect("preferQueryMode=" + mode); Connection b = node.connect()) {
      Sql.exec(b, "SET DateStyle = 'ISO'");
      for (int i = 0; i < 5; i++) { // month first, cached under b's settings
        assertThat(Sql.value(b, read)).isEqualTo("2020-11-12");
      }
      // 'ISO', 'DMY' is a list of two literals, as valid as 'ISO, DMY'
      Sql.exec(a, mode.equals("simple") ? "SET DateStyle = 'ISO, DMY'" : "SET DateStyle = 'ISO', 'DMY'",
          "SET DateStyle = 'ISO'");
      for (int i = 0; i < 3; i++) {
        assertThat(Sql.value(b, "SHOW DateStyle")).isEqualTo("ISO, MDY"); // the one backend goes back and forth
        assertThat(Sql.value(a, "SHOW DateStyle")).isEqualTo("ISO, DMY");
        assertThat(Sql.value(a, read)).isEqualTo("2020-12-11");
        assertThat(Sql.value(b, read)).isEqualTo("2020-11-12");
      }
    }
  }
}
