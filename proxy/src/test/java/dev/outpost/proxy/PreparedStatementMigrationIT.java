package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.cache.CacheService;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Named server-side statements (prepareThreshold=1) keep working while each client's transactions
 * land on whichever of the two backends is free, including when the backends' statement LRU is
 * smaller than the number of statements in use.
 */
class PreparedStatementMigrationIT {
  private static TestOrigin origin;
  private static String db;

  @BeforeAll
  static void schema() throws Exception {
    origin = TestOrigin.shared();
    db = origin.createDatabase("psmove");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, v text)",
          "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 100) g",
          "ALTER TABLE kv OWNER TO " + TestOrigin.APP_USER);
    }
  }

  @Test
  void namedStatements_movedBetweenBackends_neverMissing() throws Exception {
    assertNoErrors(500);
  }

  @Test
  void namedStatements_backendLruSmallerThanWorkingSet_reprepareTransparently() throws Exception {
    assertNoErrors(2);
  }

  /**
   * A client's Parse is answered by a statement parsed no earlier than it: one parsed before a
   * table shadowing another on the search_path was created kept reading the old table for every
   * later client that prepared the same text (directly, each client's own Parse sees the new one).
   */
  @Test
  void aClientsParse_afterAShadowingTableWasCreated_readsTheNewTable_asDirectly() throws Exception {
    String shadowDb = origin.createDatabase("psshadow");
    try (Connection c = origin.superConnection(shadowDb)) {
      Sql.exec(c, "CREATE SCHEMA early", "GRANT ALL ON SCHEMA early TO " + TestOrigin.APP_USER,
          "CREATE TABLE public.shadowed (v text)", "INSERT INTO public.shadowed VALUES ('public')",
          "ALTER TABLE public.shadowed OWNER TO " + TestOrigin.APP_USER);
    }
    String sql = "SELECT v FROM shadowed";
    String params = "prepareThreshold=1&options=-c%20search_path%3Dearly,public";
    try (TestNode node = TestNode.start(origin, shadowDb, b -> b.poolSize(1).cacheEnabled(false));
        Connection first = node.connect(params);
        Connection second = node.connect(params)) {
      try (PreparedStatement ps = first.prepareStatement(sql)) {
        for (int i = 0; i < 2; i++) { // prepared on the one backend, by name
          assertThat(value(ps)).isEqualTo("public");
        }
      }
      Sql.exec(first, "CREATE TABLE early.shadowed AS SELECT 'early' AS v");
      try (PreparedStatement ps = second.prepareStatement(sql)) {
        assertThat(value(ps)).as("a Parse after the CREATE").isEqualTo("early");
      }
    }
  }

  private static String value(PreparedStatement ps) throws java.sql.SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getString(1);
    }
  }

  private void assertNoErrors(int backendStatements) throws Exception {
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2)
        .preparedStatementsPerConnection(backendStatements))) {
      ExecutorService pool = Executors.newFixedThreadPool(10);
      List<Future<Integer>> done = new ArrayList<>();
      for (int client = 0; client < 10; client++) {
        int me = client;
        done.add(pool.submit(() -> {
          int checked = 0;
          try (Connection c = node.connect("prepareThreshold=1");
              PreparedStatement byKey = c.prepareStatement("SELECT v FROM kv WHERE k = ?");
              PreparedStatement count = c.prepareStatement("SELECT count(*) FROM kv WHERE k <= ?");
              PreparedStatement echo = c.prepareStatement("SELECT ?::text || ?::int")) {
            for (int i = 0; i < 60; i++) {
              int k = 1 + (me * 7 + i) % 100;
              byKey.setInt(1, k);
              try (ResultSet rs = byKey.executeQuery()) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("v" + k);
              }
              count.setInt(1, k);
              try (ResultSet rs = count.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(k);
              }
              echo.setString(1, "c" + me);
              echo.setInt(2, i);
              try (ResultSet rs = echo.executeQuery()) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("c" + me + i);
              }
              checked += 3;
            }
          } catch (Throwable t) {
            errors.add(t);
          }
          return checked;
        }));
      }
      int total = 0;
      for (Future<Integer> f : done) {
        total += f.get(3, TimeUnit.MINUTES);
      }
      pool.shutdownNow();
      assertThat(errors).isEmpty();
      assertThat(total).isEqualTo(10 * 60 * 3);
    }
  }

  /**
   * libpq's PQprepare sends a Parse and a Sync alone; the node answers it itself and the origin
   * judges the text at the first execution. A text the origin refuses then leaves no statement
   * behind, as the failed prepare would have directly: the client can prepare the name again (it
   * got 42P05 "already exists", over and over). And one name prepared twice in one batch gets
   * 42P05 for the second, as directly (both were answered ParseComplete).
   */
  @Test
  void standAloneParse_refusedAtFirstExecution_leavesTheNameFree_asDirect() throws Exception {
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(1))) {
      List<String> proxied = prepareTheLibpqWay(node.port());
      List<String> direct = prepareTheLibpqWay(origin.port());
      assertThat(proxied).contains("E:42P01", "D:1", "E:42P05");
      // directly the refusal comes with the Parse; through the node with the first execution,
      // which then fails as executing a missing statement would: compare from there on
      assertThat(proxied.subList(proxied.indexOf("E:42P01") + 1, proxied.size()))
          .isEqualTo(direct.subList(direct.indexOf("E:26000") + 1, direct.size()));
    }
  }

  private static List<String> prepareTheLibpqWay(int port) throws Exception {
    List<String> seen = new ArrayList<>();
    try (RawClient raw = new RawClient(port)) {
      raw.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
      byte[][] steps = {
          Wire.concat(Wire.parse("s1", "SELECT * FROM no_such_table"), Wire.sync()),
          Wire.concat(Wire.bind("", "s1"), Wire.execute(""), Wire.sync()),
          Wire.concat(Wire.parse("s1", "SELECT 1"), Wire.sync()),
          Wire.concat(Wire.bind("", "s1"), Wire.execute(""), Wire.sync()),
          Wire.concat(Wire.parse("d1", "SELECT 1"), Wire.parse("d1", "SELECT 2"), Wire.sync()),
          Wire.concat(Wire.bind("", "d1"), Wire.execute(""), Wire.sync())};
      for (byte[] step : steps) {
        raw.send(step);
        raw.readUntilReady().forEach(m -> seen.add(m.summary()));
      }
    }
    return seen;
  }
  /**
   * The columns of a prepared statement's result change (DROP COLUMN a, ADD COLUMN a under a
   * {@code SELECT *}) while the client keeps it. Postgres fails its next execution with 0A000
   * "cached plan must not change result type" and pgjdbc prepares it again by itself; through a
   * node, the next execution ran on a fresh copy with the new columns, which pgjdbc decoded by the
   * old ones (column b's value read under a). Now pgjdbc's reads give what they give directly.
   * (With the cache on, the entries of the old columns may answer until they expire, as for any
   * change made around the node; CacheFidelityIT covers that they are never read by other columns.)
   */
  @Test
  void columnsChangedUnderAPreparedStatement_pgjdbcReadsAsDirectly() throws Exception {
    String colsDb = origin.createDatabase("pscols");
    List<String> direct = columnsChangeSteps(colsDb, "direct",
        () -> java.sql.DriverManager.getConnection(origin.appJdbcUrl(colsDb, "prepareThreshold=1")), () -> {}, () -> {});
    assertThat(direct).containsExactly("id=1 a=a1 b=b1", "id=1 a=a1 b=b1", "id=1 a=a1 b=b1", "id=1 b=b1 a=A1",
        "id=1 b=b1 a=A1", "id=1 b=b1 a=A1");
    try (TestNode node = TestNode.start(origin, colsDb, b -> b.poolSize(2).cacheEnabled(false))) {
      assertThat(columnsChangeSteps(colsDb, "node", () -> node.connect("prepareThreshold=1"),
          () -> assertThat(node.repeat("SELECT * FROM node WHERE id = $1")).isEqualTo(CacheService.Repeat.HARMLESS),
          () -> awaitNoOriginConnections(node))).isEqualTo(direct);
    }
  }

  private interface Opener {
    Connection open() throws java.sql.SQLException;
  }

  private interface Checkpoint {
    void run() throws Exception;
  }

  /**
   * Reads row 1 three times with one prepared statement; on the origin directly, column a is
   * dropped and added again with new values, and every backend of the database is ended (so the
   * next execution through a node runs on a fresh copy of the statement); reads row 1 three times
   * more with the same statement. {@code described} waits, before the change, until the catalog has
   * described the read; {@code ended} until the ended backends are noticed.
   */
  private static List<String> columnsChangeSteps(String database, String table, Opener opener, Checkpoint described,
      Checkpoint ended) throws Exception {
    try (Connection su = origin.superConnection(database)) {
      Sql.exec(su, "CREATE TABLE " + table + " (id int PRIMARY KEY, a text, b text)",
          "INSERT INTO " + table + " VALUES (1, 'a1', 'b1')", "ALTER TABLE " + table + " OWNER TO " + TestOrigin.APP_USER);
    }
    List<String> out = new ArrayList<>();
    try (Connection c = opener.open()) {
      PreparedStatement read = c.prepareStatement("SELECT * FROM " + table + " WHERE id = ?");
      for (int i = 0; i < 3; i++) {
        out.add(Sql.namedRows(read, 1));
      }
      described.run();
      try (Connection su = origin.superConnection(database)) {
        Sql.exec(su, "ALTER TABLE " + table + " DROP COLUMN a", "ALTER TABLE " + table + " ADD COLUMN a text",
            "UPDATE " + table + " SET a = 'A' || id", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                + " WHERE datname = '" + database + "' AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                + " AND usename = '" + TestOrigin.APP_USER + "' AND application_name <> 'outpost-catalog'"
                + (table.equals("direct") ? " AND false" : ""));
      }
      ended.run();
      for (int i = 0; i < 3; i++) {
        out.add(Sql.namedRows(read, 1));
      }
    }
    return out;
  }

  /**
   * The same on the wire: the fresh copy's execution fails with Postgres's error, routine included
   * (by which drivers know to prepare again), outside a transaction; so does every later Bind of
   * the statement, until the client prepares it again, which then reads the new columns.
   */
  @Test
  void columnsChangedUnderAPreparedStatement_itsExecutionsFailAsOnPostgres_untilPreparedAgain() throws Exception {
    String colsDb = databaseWith("pswire", "CREATE TABLE t (id int PRIMARY KEY, a text, b text)",
        "INSERT INTO t VALUES (1, 'a1', 'b1')", "ALTER TABLE t OWNER TO " + TestOrigin.APP_USER);
    try (TestNode node = TestNode.start(origin, colsDb, b -> b.poolSize(2).cacheEnabled(false));
        RawClient c = loggedIn(node, colsDb)) {
      byte[] prepare = prepare("S_1", "SELECT * FROM t");
      byte[] run = run("S_1");
      assertThat(summaries(c, prepare)).containsExactly("1", "t", "T", "Z");
      assertThat(summaries(c, run)).containsExactly("2", "D:1", "C:SELECT 1", "Z");
      assertThat(node.repeat("SELECT * FROM t")).as("the catalog has described the read")
          .isEqualTo(CacheService.Repeat.HARMLESS);
      changeAroundTheNode(node, colsDb, "ALTER TABLE t DROP COLUMN a", "ALTER TABLE t ADD COLUMN a text");
      for (int i = 0; i < 2; i++) {
        assertFailsAsOnPostgres(c, run, 'I');
      }
      assertThat(columnChecks(node, "in_flight", "changed")).as("checked with the first execution").isEqualTo(1);
      assertThat(columnChecks(node, "waited", "changed")).isZero();
      assertThat(summaries(c, Wire.concat(Wire.closeStatement("S_1"), Wire.sync()))).containsExactly("3", "Z");
      assertThat(summaries(c, prepare)).containsExactly("1", "t", "T", "Z");
      assertThat(summaries(c, run)).as("prepared again").containsExactly("2", "D:1", "C:SELECT 1", "Z");
    }
  }

  /**
   * Where a fresh copy's execution cannot be failed after it ran — a read calling volatile code
   * (a driver runs it again after the error), a write, a statement in a transaction block — the
   * node waits for the copy's columns before it binds, and the execution fails as on Postgres,
   * before it runs: nextval() is not called, the row is not updated, the transaction is aborted.
   * (Before, each of these ran once with the new columns, which the client decoded by the old.)
   */
  @Test
  void columnsChangedUnderPreparedStatements_thoseThatCannotBeUndone_failBeforeTheyRun() throws Exception {
    String volDb = databaseWith("psvol", "CREATE TABLE t (id int PRIMARY KEY, a text, b text)",
        "INSERT INTO t VALUES (1, 'a1', 'b1')", "ALTER TABLE t OWNER TO " + TestOrigin.APP_USER, "CREATE SEQUENCE s",
        "ALTER SEQUENCE s OWNER TO " + TestOrigin.APP_USER);
    try (TestNode node = TestNode.start(origin, volDb, b -> b.poolSize(2).cacheEnabled(false));
        RawClient c = loggedIn(node, volDb)) {
      String volatileRead = "SELECT *, nextval('s') AS n FROM t";
      String[] texts = {volatileRead, "SELECT * FROM t", "UPDATE t SET b = b || '+' WHERE id = 1 RETURNING *"};
      for (int i = 0; i < texts.length; i++) {
        String name = "S_" + (i + 1);
        assertThat(summaries(c, prepare(name, texts[i]))).containsExactly("1", "t", "T", "Z");
        assertThat(summaries(c, run(name))).containsExactly("2", "D:1", i == 2 ? "C:UPDATE 1" : "C:SELECT 1", "Z");
      }
      String noRows = "UPDATE t SET b = b WHERE id = 1";
      assertThat(summaries(c, prepare("S_4", noRows))).containsExactly("1", "t", "n", "Z");
      assertThat(node.repeat(volatileRead)).as("the catalog calls nextval() volatile")
          .isEqualTo(CacheService.Repeat.HAS_EFFECTS);
      changeAroundTheNode(node, volDb, "ALTER TABLE t DROP COLUMN a", "ALTER TABLE t ADD COLUMN a text");

      for (int i = 0; i < 2; i++) {
        assertFailsAsOnPostgres(c, run("S_1"), 'I');
      }
      assertThat(summaries(c, RawClient.query("BEGIN"))).containsExactly("C:BEGIN", "Z");
      assertFailsAsOnPostgres(c, run("S_2"), 'E');
      assertThat(summaries(c, RawClient.query("ROLLBACK"))).containsExactly("C:ROLLBACK", "Z");
      assertFailsAsOnPostgres(c, run("S_3"), 'I');
      assertThat(summaries(c, run("S_4"))).as("a statement returning no rows has no columns to check")
          .containsExactly("2", "C:UPDATE 1", "Z");

      assertThat(columnChecks(node, "waited", "changed")).as("S_1, S_2 and S_3 each waited once").isEqualTo(3);
      assertThat(columnChecks(node, "waited", "same")).as("S_4 did not wait").isZero();
      assertThat(columnChecks(node, "in_flight", "changed")).isZero();
      try (Connection su = origin.superConnection(volDb)) {
        assertThat(Sql.longValue(su, "SELECT last_value FROM s")).as("nextval() ran only before the change").isEqualTo(1);
        assertThat(Sql.value(su, "SELECT b FROM t WHERE id = 1")).as("updated only before the change").isEqualTo("b1+");
      }
      assertThat(summaries(c, Wire.concat(Wire.closeStatement("S_1"), Wire.parse("S_1", volatileRead),
          Wire.describeStatement("S_1"), Wire.sync()))).containsExactly("3", "1", "t", "T", "Z");
      assertThat(summaries(c, run("S_1"))).as("prepared again").containsExactly("2", "D:1", "C:SELECT 1", "Z");
    }
  }

  /**
   * The fresh copy a Bind waits for cannot be parsed (its table was dropped around the node): the
   * client gets the origin's error for its request, as from Postgres, and its session goes on.
   */
  @Test
  void heldBind_whoseFreshCopyFailsToParse_getsTheErrorAndTheSessionGoesOn() throws Exception {
    String db = databaseWith("psgone", "CREATE TABLE gone (id int PRIMARY KEY, a text)",
        "INSERT INTO gone VALUES (1, 'a1')", "ALTER TABLE gone OWNER TO " + TestOrigin.APP_USER);
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2).cacheEnabled(false));
        RawClient c = loggedIn(node, db)) {
      assertThat(summaries(c, prepare("S_1", "SELECT *, random() AS r FROM gone"))).containsExactly("1", "t", "T", "Z");
      changeAroundTheNode(node, db, "DROP TABLE gone");
      c.send(run("S_1"));
      List<RawClient.Message> answer = c.readUntilReady();
      assertThat(answer).extracting(RawClient.Message::type).containsExactly('E', 'Z');
      assertThat(answer.get(0).field('C')).isEqualTo("42P01");
      assertThat((char) answer.get(1).body()[0]).isEqualTo('I');
      assertThat(summaries(c, RawClient.query("SELECT 1"))).containsExactly("T", "D:1", "C:SELECT 1", "Z");
      assertThat(summaries(c, prepare("S_2", "SELECT 2 AS b"))).containsExactly("1", "t", "T", "Z");
      assertThat(summaries(c, run("S_2"))).containsExactly("2", "D:2", "C:SELECT 1", "Z");
    }
  }

  /** {@code outpost_prepared_column_checks_total} of {@code node} for one {@code how} and {@code columns}. */
  private static double columnChecks(TestNode node, String how, String columns) {
    return node.node().metrics().registry().get("outpost.prepared.column.checks").tag("how", how)
        .tag("columns", columns).counter().count();
  }

  /** A new database of the origin, prepared by {@code sql} run as the superuser. */
  private static String databaseWith(String prefix, String... sql) throws Exception {
    String db = origin.createDatabase(prefix);
    try (Connection su = origin.superConnection(db)) {
      Sql.exec(su, sql);
    }
    return db;
  }

  private static RawClient loggedIn(TestNode node, String database) throws Exception {
    RawClient c = new RawClient(node.port());
    c.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, database);
    return c;
  }

  /**
   * Runs {@code sql} on the origin directly as the superuser (a schema change made around the
   * node), ends every backend of {@code database} so that the next executions through the node run
   * on fresh copies of their statements, and waits until the node has noticed.
   */
  private static void changeAroundTheNode(TestNode node, String database, String... sql) throws Exception {
    try (Connection su = origin.superConnection(database)) {
      Sql.exec(su, sql);
      Sql.exec(su, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'"
          + " AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
    }
    awaitNoOriginConnections(node);
  }

  /** Parse and Describe of the named statement, with a Sync. */
  private static byte[] prepare(String statement, String sql) {
    return Wire.concat(Wire.parse(statement, sql), Wire.describeStatement(statement), Wire.sync());
  }

  private static byte[] run(String statement) {
    return Wire.concat(Wire.bind("", statement), Wire.execute(""), Wire.sync());
  }

  /** {@code request} gets Postgres's error for a statement whose columns changed, then ReadyForQuery {@code status}. */
  private static void assertFailsAsOnPostgres(RawClient c, byte[] request, char status) throws Exception {
    c.send(request);
    List<RawClient.Message> answer = c.readUntilReady();
    assertThat(answer).extracting(RawClient.Message::type).containsExactly('E', 'Z');
    assertThat(answer.get(0).field('C')).isEqualTo("0A000");
    assertThat(answer.get(0).field('M')).isEqualTo("cached plan must not change result type");
    assertThat(answer.get(0).field('R')).isEqualTo("RevalidateCachedQuery");
    assertThat((char) answer.get(1).body()[0]).isEqualTo(status);
  }

  /**
   * Which statements the node may fail in place after they ran (a driver then runs them again):
   * reads of non-volatile code only — not those calling volatile built-ins or user code, directly,
   * through a view, or hidden in an operator — and never a write.
   */
  @Test
  void onlyReadsOfNonVolatileCode_countAsHarmlessToRunTwice() throws Exception {
    String db = origin.createDatabase("psrepeat");
    try (Connection su = origin.superConnection(db)) {
      Sql.exec(su, "CREATE TABLE t (id int PRIMARY KEY, a text)", "CREATE SEQUENCE s",
          "CREATE FUNCTION logged(int) RETURNS int VOLATILE LANGUAGE sql AS $$ SELECT $1 $$",
          "CREATE FUNCTION twice(int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT $1 * 2 $$",
          "CREATE VIEW counted AS SELECT id, logged(id) AS n FROM t", "CREATE VIEW plain AS SELECT id, a FROM t",
          "CREATE OPERATOR ### (LEFTARG = int, RIGHTARG = int, FUNCTION = int4pl)",
          "CREATE FUNCTION bumped(int, int) RETURNS int VOLATILE LANGUAGE sql AS $$ SELECT $1 + $2 $$",
          "CREATE OPERATOR #!# (LEFTARG = int, RIGHTARG = int, FUNCTION = bumped)",
          "GRANT ALL ON ALL TABLES IN SCHEMA public TO " + TestOrigin.APP_USER,
          "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + TestOrigin.APP_USER);
    }
    try (TestNode node = TestNode.start(origin, db, b -> b.cacheEnabled(false))) {
      for (String harmless : List.of("SELECT * FROM t WHERE id = $1", "SELECT lower(a), now(), twice(id) FROM t",
          "SELECT * FROM plain", "SELECT id ### 1 FROM t", "SELECT count(*) FROM t WHERE a LIKE $1")) {
        assertThat(node.repeat(harmless)).as(harmless).isEqualTo(CacheService.Repeat.HARMLESS);
      }
      for (String effects : List.of("SELECT nextval('s')", "SELECT pg_advisory_lock(1)", "SELECT pg_notify('c', 'x')",
          "SELECT random() FROM t", "SELECT logged(id) FROM t", "SELECT * FROM counted", "SELECT id #!# 1 FROM t",
          "INSERT INTO t VALUES (1, 'x') RETURNING *", "SELECT set_config('search_path', 'x', false)",
          "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "SELECT no_such_function(1)")) {
        assertThat(node.repeat(effects)).as(effects).isEqualTo(CacheService.Repeat.HAS_EFFECTS);
      }
    }
  }

  /** Waits until the node has noticed that its origin connections were ended (not the test's subject). */
  private static void awaitNoOriginConnections(TestNode node) {
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> node.node().pools().stream().allMatch(p -> p.stats().total() == 0));
  }

  private static List<String> summaries(RawClient c, byte[] request) throws Exception {
    c.send(request);
    return c.readUntilReady().stream().map(RawClient.Message::summary).toList();
  }
}
