package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.metrics.MetricsServer;
import dev.outpost.proxy.metrics.PrometheusText;
import dev.outpost.cache.CacheStatus;
import dev.outpost.testkit.TestOrigin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin console through pgjdbc and psql: every command, with values that match what the test
 * did, and /metrics agreeing with it.
 */
class AdminConsoleIT {
  private static final String ADMIN = "opsadmin";
  private static final String ADMIN_PW = "ops-Secret-42";
  private static TestOrigin origin;
  private static String db;
  private static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    origin = TestOrigin.shared();
    db = origin.createDatabase("admin");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, v text)", "INSERT INTO kv VALUES (1, 'one'), (2, 'two')",
          "ALTER TABLE kv OWNER TO " + TestOrigin.APP_USER);
    }
    node = TestNode.start(origin, db, b -> b.adminUser(ADMIN).adminPassword(ADMIN_PW).poolSize(3));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static Connection admin() throws Exception {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port() + "/outpost?user=" + ADMIN
        + "&password=" + ADMIN_PW + "&preferQueryMode=simple");
  }

  private static List<Map<String, String>> rows(Connection c, String command) throws Exception {
    List<Map<String, String>> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(command)) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          row.put(md.getColumnName(i), rs.getString(i));
        }
        out.add(row);
      }
    }
    return out;
  }

  private static String value(List<Map<String, String>> nameValueRows, String name) {
    return nameValueRows.stream().filter(r -> name.equals(r.get("name"))).findFirst().map(r -> r.get("value"))
        .orElseThrow(() -> new AssertionError(name + " not shown"));
  }

  @Test
  void everyCommand_throughPgjdbc_showsWhatTheTestDid() throws Exception {
    try (Connection app = node.connect(); Connection admin = admin()) {
      String read = "SELECT v AS admin_read FROM kv WHERE k = 1";
      long start = Long.parseLong(value(rows(admin, "SHOW CACHE"), "queries_hit"));
      for (int i = 0; i < 100 && Long.parseLong(value(rows(admin, "SHOW CACHE"), "queries_hit")) == start; i++) {
        assertThat(Sql.value(app, read)).isEqualTo("one"); // the first runs learn the catalog and fill
        Thread.sleep(20);
      }
      long hitsBefore = Long.parseLong(value(rows(admin, "SHOW CACHE"), "queries_hit"));
      for (int i = 0; i < 5; i++) {
        assertThat(Sql.value(app, read)).isEqualTo("one");
      }
      long hits = Long.parseLong(value(rows(admin, "SHOW CACHE"), "queries_hit")) - hitsBefore;
      assertThat(hits).isEqualTo(5);

      List<Map<String, String>> stats = rows(admin, "SHOW STATS");
      assertThat(stats).anySatisfy(r -> {
        assertThat(r.get("database")).isEqualTo(db);
        assertThat(r.get("status")).isEqualTo("hit");
        assertThat(Long.parseLong(r.get("queries"))).isGreaterThanOrEqualTo(hits);
      });
      assertThat(rows(admin, "SHOW POOLS")).anySatisfy(r -> {
        assertThat(r.get("pool")).isEqualTo(TestOrigin.APP_USER + "@" + db);
        assertThat(r.get("max_size")).isEqualTo("3");
        assertThat(r.get("origin")).isEqualTo("up");
      });
      assertThat(rows(admin, "SHOW CLIENTS")).anySatisfy(r -> assertThat(r.get("database")).isEqualTo(db));
      assertThat(rows(admin, "SHOW SERVERS")).isNotEmpty().allSatisfy(r -> {
        assertThat(r.get("backend_pid")).isNotNull();
        assertThat(r.get("state")).isIn("idle", "active"); // the app's connection is between transactions
      });
      assertThat(value(rows(admin, "SHOW CLUSTER"), "mode")).startsWith("standalone");
      assertThat(rows(admin, "SHOW CHANGE FEED")).isNotEmpty();
      List<Map<String, String>> config = rows(admin, "SHOW CONFIG");
      assertThat(config).anySatisfy(r -> {
        assertThat(r.get("key")).isEqualTo("admin-password");
        assertThat(r.get("value")).doesNotContain(ADMIN_PW);
      });
      assertThat(config.toString()).doesNotContain(ADMIN_PW).doesNotContain(TestOrigin.APP_PASSWORD);
      assertThat(rows(admin, "SHOW HELP")).hasSizeGreaterThan(10);

      // INVALIDATE TABLE: the next read goes to the origin
      OriginStats origin = new OriginStats(AdminConsoleIT.origin, db);
      origin.reset();
      Sql.exec(admin, "INVALIDATE TABLE kv");
      assertThat(Sql.value(app, read)).isEqualTo("one");
      assertThat(origin.calls("admin_read")).isEqualTo(1);
      Sql.exec(admin, "INVALIDATE ALL");
      // the entries are unreadable at once (QueryCacheTest); SHOW CACHE counts them until the
      // background sweeper has removed them
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(Long.parseLong(value(rows(admin, "SHOW CACHE"), "entries"))).isZero());
      assertThat(rows(admin, "RELOAD")).isEmpty(); // configured in code: nothing changed

      // PAUSE holds requests that need the origin; hits still answer; RESUME lets them go
      assertThat(Sql.value(app, read)).isEqualTo("one"); // fills again
      Sql.exec(admin, "PAUSE");
      assertThat(Sql.value(app, read)).isEqualTo("one"); // a hit, served while paused
      CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> {
        try (Connection other = node.connect()) {
          return Sql.value(other, "SELECT v FROM kv WHERE k = 2 FOR SHARE");
        } catch (Exception e) {
          return "failed: " + e;
        }
      });
      Thread.sleep(500);
      assertThat(held).isNotDone();
      Sql.exec(admin, "RESUME");
      assertThat(held.get(20, TimeUnit.SECONDS)).isEqualTo("two");
      assertThat(Sql.sqlstateOf(() -> Sql.exec(admin, "SHOW NONSENSE"))).isEqualTo("42601");
    }
  }

  /**
   * RECONNECT after {@code ALTER DATABASE … SET}: the idle origin connections are closed at once,
   * the one running a client's transaction serves it to its end and is closed then, and the
   * backends that serve from then on — and the parameters new clients are told — carry the new
   * defaults.
   */
  @Test
  void reconnect_replacesIdleConnectionsNow_andABusyOneWhenItsTransactionEnds() throws Exception {
    try (Connection inTxn = node.connect(); Connection other = node.connect(); Connection admin = admin();
        Connection su = origin.superConnection(db)) {
      String pid = "SELECT pg_backend_pid()::text";
      Set<String> before = new HashSet<>();
      inTxn.setAutoCommit(false);
      String busy = Sql.value(inTxn, pid); // held by the open transaction
      before.add(busy);
      before.add(Sql.value(other, pid)); // another backend, which goes back to the pool idle
      before.addAll(poolBackends(su));
      try {
        Sql.exec(su, "ALTER DATABASE " + db + " SET lock_timeout = '4321ms'",
            "ALTER DATABASE " + db + " SET timezone = 'Asia/Kathmandu'");

        List<Map<String, String>> done = rows(admin, "RECONNECT " + db);
        assertThat(done).singleElement().satisfies(r -> {
          assertThat(r.get("pool")).isEqualTo(TestOrigin.APP_USER + "@" + db);
          assertThat(Integer.parseInt(r.get("closed_idle"))).isPositive();
          assertThat(Integer.parseInt(r.get("close_when_free"))).isPositive();
        });
        assertThat(rows(admin, "SHOW SERVERS")).filteredOn(r -> busy.equals(r.get("backend_pid")))
            .singleElement().satisfies(r -> assertThat(r.get("close_when_free")).isEqualTo("yes"));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(poolBackends(su)).filteredOn(before::contains).containsExactly(busy)); // idle ones gone

        // the transaction goes on undisturbed on its backend
        assertThat(Sql.value(inTxn, pid)).isEqualTo(busy);
        assertThat(Sql.value(inTxn, "SHOW lock_timeout")).isEqualTo("0");
        inTxn.commit();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(poolBackends(su)).doesNotContain(busy));

        // from now on only new backends, with the database's new defaults
        for (Connection c : List.of(other, inTxn)) {
          assertThat(Sql.value(c, pid)).isNotIn(before);
          assertThat(Sql.value(c, "SHOW lock_timeout")).isEqualTo("4321ms");
        }
        inTxn.commit();
        assertThat(toldTimeZone(node, db)).isEqualTo("Asia/Kathmandu");
        assertThat(Sql.sqlstateOf(() -> Sql.exec(admin, "RECONNECT no_such_database"))).isEqualTo("3D000");
      } finally {
        Sql.exec(su, "ALTER DATABASE " + db + " RESET lock_timeout", "ALTER DATABASE " + db + " RESET timezone");
      }
    }
  }

  /**
   * WAIT_CLOSE after RECONNECT answers once the connections RECONNECT replaces are closed — here
   * when the transaction holding one commits — and, past shutdown-timeout, fails with 55000 naming
   * the client that still holds one.
   */
  @Test
  void waitClose_answersOnceTheReplacedConnectionsHaveClosed_orNamesWhoHoldsThem() throws Exception {
    try (Connection inTxn = node.connect(); Connection admin = admin(); Connection waiter = admin();
        Connection su = origin.superConnection(db)) {
      inTxn.setAutoCommit(false);
      String busy = Sql.value(inTxn, "SELECT pg_backend_pid()::text");
      Sql.exec(admin, "RECONNECT " + db);
      CompletableFuture<String> waited = CompletableFuture.supplyAsync(() -> {
        try {
          Sql.exec(waiter, "WAIT_CLOSE " + db);
          return "answered";
        } catch (SQLException e) {
          return e.getSQLState();
        }
      });
      Thread.sleep(300);
      assertThat(waited).as("WAIT_CLOSE waits while the transaction holds a replaced connection").isNotDone();
      assertThat(rows(admin, "SHOW POOLS")).as("another admin session is answered meanwhile")
          .anySatisfy(r -> assertThat(r.get("pool")).isEqualTo(TestOrigin.APP_USER + "@" + db));
      inTxn.commit();
      assertThat(waited.get(10, TimeUnit.SECONDS)).isEqualTo("answered");
      assertThat(poolBackends(su)).doesNotContain(busy);
      Sql.exec(admin, "WAIT_CLOSE"); // nothing left to close: answers at once
      assertThat(Sql.sqlstateOf(() -> Sql.exec(admin, "WAIT_CLOSE no_such_database"))).isEqualTo("3D000");
    }
    try (TestNode small = TestNode.start(origin, db, b -> b.adminUser(ADMIN).adminPassword(ADMIN_PW)
            .shutdownTimeout(java.time.Duration.ofMillis(500)));
        Connection inTxn = small.connect();
        Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + small.port()
            + "/outpost?user=" + ADMIN + "&password=" + ADMIN_PW + "&preferQueryMode=simple")) {
      inTxn.setAutoCommit(false);
      Sql.value(inTxn, "SELECT pg_backend_pid()");
      Sql.exec(admin, "RECONNECT");
      SQLException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> Sql.exec(admin, "WAIT_CLOSE"),
          SQLException.class);
      assertThat((Object) e).isNotNull();
      assertThat(e.getSQLState()).isEqualTo("55000");
      assertThat(e.getMessage()).contains("1 origin connection(s) to be replaced are still open after 500 ms")
          .containsPattern("backend \\d+ \\(client \\d+, in transaction for");
      inTxn.commit();
      Sql.exec(admin, "WAIT_CLOSE");
    }
  }

  /**
   * A client queued behind a full pool shows in SHOW POOLS and /metrics while it waits (how long
   * the first in the queue has waited), and its wait counts in the mean once it is served.
   */
  @Test
  void queuedClient_showsItsWaitWhileWaiting_andInTheMeanOnceServed() throws Exception {
    try (TestNode small = TestNode.start(origin, db, b -> b.adminUser(ADMIN).adminPassword(ADMIN_PW).poolSize(1));
        MetricsServer server = MetricsServer.start("127.0.0.1", 0, small.node().metrics(), () -> true);
        Connection holder = small.connect(); Connection queued = small.connect();
        Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + small.port()
            + "/outpost?user=" + ADMIN + "&password=" + ADMIN_PW + "&preferQueryMode=simple")) {
      String pool = TestOrigin.APP_USER + "@" + db;
      java.util.function.Supplier<Map<String, String>> poolRow = () -> {
        try {
          return rows(admin, "SHOW POOLS").stream().filter(r -> pool.equals(r.get("pool"))).findFirst().orElseThrow();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };
      holder.setAutoCommit(false);
      Sql.value(holder, "SELECT 1"); // the pool's only connection is held by this transaction
      assertThat(poolRow.get()).containsEntry("waiting", "0").containsEntry("max_wait_ms", "0.000");
      HttpClient http = HttpClient.newHttpClient();
      java.util.concurrent.Callable<PrometheusText> scrape = () -> PrometheusText.parse(http.send(HttpRequest
          .newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      // (the pool's first client may have waited for the first connection to open)
      double servedBefore = scrape.call().value("outpost_pool_wait_seconds_count", "pool", pool);
      double waitedBefore = scrape.call().value("outpost_pool_wait_seconds_sum", "pool", pool);
      CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> {
        try {
          return Sql.value(queued, "SELECT v FROM kv WHERE k = 2 FOR SHARE");
        } catch (Exception e) {
          return "failed: " + e;
        }
      });
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
        Map<String, String> r = poolRow.get();
        assertThat(r.get("waiting")).isEqualTo("1");
        assertThat(Double.parseDouble(r.get("max_wait_ms"))).isPositive();
      });
      // SHOW CLIENTS: who holds the connection, who waits, and since when
      List<Map<String, String>> clients = rows(admin, "SHOW CLIENTS");
      Map<String, String> holding = clients.stream().filter(r -> "in transaction".equals(r.get("state")))
          .findFirst().orElseThrow(() -> new AssertionError("no client in transaction in " + clients));
      Map<String, String> queuedRow = clients.stream().filter(r -> "waiting".equals(r.get("state")))
          .findFirst().orElseThrow(() -> new AssertionError("no waiting client in " + clients));
      assertThat(Double.parseDouble(holding.get("state_seconds")))
          .as("the holder took its connection before the other began to wait")
          .isGreaterThanOrEqualTo(Double.parseDouble(queuedRow.get("state_seconds")));
      Thread.sleep(300);
      assertThat(rows(admin, "SHOW CLIENTS")).filteredOn(r -> holding.get("id").equals(r.get("id"))).singleElement()
          .satisfies(r -> assertThat(Double.parseDouble(r.get("state_seconds"))).as("it counts while the state lasts")
              .isGreaterThan(Double.parseDouble(holding.get("state_seconds"))));
      PrometheusText during = scrape.call();
      assertThat(during.value("outpost_pool_oldest_wait_seconds", "pool", pool)).isPositive();
      assertThat(during.value("outpost_pool_wait_seconds_count", "pool", pool)).isEqualTo(servedBefore);

      holder.commit(); // the queued client gets the connection
      assertThat(waiting.get(20, TimeUnit.SECONDS)).isEqualTo("two");
      Map<String, String> after = poolRow.get();
      assertThat(after).containsEntry("waiting", "0").containsEntry("max_wait_ms", "0.000");
      assertThat(Double.parseDouble(after.get("avg_wait_ms"))).isPositive();
      PrometheusText served = scrape.call();
      assertThat(served.value("outpost_pool_oldest_wait_seconds", "pool", pool)).isZero();
      assertThat(served.value("outpost_pool_wait_seconds_count", "pool", pool)).isEqualTo(servedBefore + 1);
      assertThat(served.value("outpost_pool_wait_seconds_sum", "pool", pool)).isGreaterThan(waitedBefore);
    }
  }

  /**
   * Without RECONNECT, a database default changed on the origin reaches new clients' startup
   * parameters once the pool has opened a connection since (here: its connections outlive a short
   * pool-max-lifetime). Before, the node told them its first connection's values until it restarted.
   */
  @Test
  void newClients_areToldTheParametersOfTheNewestOriginConnection() throws Exception {
    String other = origin.createDatabase("admin_params");
    try (TestNode rotating = TestNode.start(origin, other, b -> b.maxLifetime(java.time.Duration.ofMillis(300)));
        Connection su = origin.superConnection()) {
      assertThat(toldTimeZone(rotating, other)).isNotEqualTo("America/Caracas");
      Sql.exec(su, "ALTER DATABASE " + other + " SET timezone = 'America/Caracas'");
      try (Connection app = rotating.connect()) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).untilAsserted(() -> {
          Sql.value(app, "SELECT pg_backend_pid()"); // (not cached) takes a connection: one past its lifetime is replaced
          assertThat(toldTimeZone(rotating, other)).isEqualTo("America/Caracas");
        });
      }
    }
  }

  /** The TimeZone a node tells a client at login (the raw ParameterStatus; pgjdbc sets its own). */
  private static String toldTimeZone(TestNode n, String database) throws Exception {
    try (RawClient raw = new RawClient(n.port())) {
      for (RawClient.Message m : raw.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, database)) {
        String[] kv = new String(m.body(), java.nio.charset.StandardCharsets.UTF_8).split("\0");
        if (m.type() == 'S' && kv[0].equals("TimeZone")) {
          return kv.length > 1 ? kv[1] : "";
        }
      }
    }
    return null;
  }

  /**
   * KILL CLIENT ends the client that SHOW CLIENTS names, as pg_terminate_backend() would (57P01):
   * its open transaction is rolled back at the origin, and other clients go on.
   */
  @Test
  void killClient_endsThatClient_rollsBackItsTransaction_andOthersGoOn() throws Exception {
    try (Connection stuck = node.connect(); Connection other = node.connect(); Connection admin = admin()) {
      Sql.exec(other, "CREATE TABLE IF NOT EXISTS killed (k int)", "DELETE FROM killed");
      stuck.setAutoCommit(false);
      Sql.exec(stuck, "INSERT INTO killed VALUES (1)"); // an open transaction holding its origin connection
      String id = Integer.toString(stuck.unwrap(org.postgresql.PGConnection.class).getBackendPID());
      assertThat(rows(admin, "SHOW CLIENTS")).filteredOn(r -> id.equals(r.get("id"))).singleElement()
          .satisfies(r -> assertThat(r.get("state")).isEqualTo("in transaction"));

      Sql.exec(admin, "KILL CLIENT " + id);
      SQLException ended = org.assertj.core.api.Assertions.catchThrowableOfType(
          () -> Sql.value(stuck, "SELECT count(*) FROM killed"), SQLException.class);
      assertThat((Object) ended).isNotNull();
      assertThat(ended.getSQLState()).isEqualTo("57P01");
      assertThat(ended.getMessage()).contains("terminating connection due to administrator command");
      assertThat(stuck.isClosed() || !stuck.isValid(2)).isTrue();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(rows(admin, "SHOW CLIENTS")).noneMatch(r -> id.equals(r.get("id"))));

      assertThat(Sql.value(other, "SELECT count(*) FROM killed")).as("its insert was rolled back").isEqualTo("0");
      assertThat(Sql.sqlstateOf(() -> Sql.exec(admin, "KILL CLIENT 2147483000"))).isEqualTo("42704");
    }
  }

  /**
   * DISABLE refuses new logins to a database (55000) while its connected clients go on; KILL db
   * ends those (57P01, their open transaction rolled back) and replaces the pool's origin
   * connections; ENABLE accepts logins again.
   */
  @Test
  void disable_killDatabase_enable() throws Exception {
    String other = origin.createDatabase("admin_kill");
    try (TestNode two = TestNode.start(origin, other, b -> b.adminUser(ADMIN).adminPassword(ADMIN_PW));
        Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + two.port()
            + "/outpost?user=" + ADMIN + "&password=" + ADMIN_PW + "&preferQueryMode=simple");
        Connection stuck = two.connect(); Connection idle = two.connect()) {
      Sql.exec(idle, "CREATE TABLE killed (k int)");
      stuck.setAutoCommit(false);
      Sql.exec(stuck, "INSERT INTO killed VALUES (1)"); // an open transaction holding its origin connection
      String busy = Sql.value(stuck, "SELECT pg_backend_pid()::text");

      Sql.exec(admin, "DISABLE " + other);
      SQLException refused = org.assertj.core.api.Assertions.catchThrowableOfType(() -> two.connect().close(),
          SQLException.class);
      assertThat((Object) refused).as("a new login to the disabled database").isNotNull();
      assertThat(refused.getSQLState()).isEqualTo("55000");
      assertThat(refused.getMessage()).contains("is not currently accepting connections");
      assertThat(Sql.value(idle, "SELECT count(*) FROM killed")).as("connected clients go on").isEqualTo("0");
      assertThat(rows(admin, "SHOW POOLS")).singleElement()
          .satisfies(r -> assertThat(r.get("database_state")).isEqualTo("disabled"));

      assertThat(rows(admin, "KILL " + other)).singleElement()
          .satisfies(r -> assertThat(r.get("clients_ended")).isEqualTo("2"));
      for (Connection c : List.of(stuck, idle)) {
        assertThat(Sql.sqlstateOf(() -> Sql.value(c, "SELECT count(*) FROM killed"))).isEqualTo("57P01");
      }
      try (Connection su = origin.superConnection(other)) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(Sql.value(su, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + busy)).isEqualTo("0"));
        assertThat(Sql.value(su, "SELECT count(*) FROM killed")).as("the insert was rolled back").isEqualTo("0");
      }

      Sql.exec(admin, "ENABLE " + other);
      assertThat(rows(admin, "SHOW POOLS")).singleElement()
          .satisfies(r -> assertThat(r.get("database_state")).isEqualTo("active"));
      try (Connection again = two.connect()) {
        assertThat(Sql.value(again, "SELECT count(*) FROM killed")).isEqualTo("0");
      }
      assertThat(Sql.sqlstateOf(() -> Sql.exec(admin, "KILL no_such_database"))).isEqualTo("3D000");
    }
  }

  /** The origin backends of the node's pool for the test database (not the catalog's). */
  private static List<String> poolBackends(Connection su) throws Exception {
    List<String> pids = new ArrayList<>();
    try (Statement s = su.createStatement(); ResultSet rs = s.executeQuery("SELECT pid::text FROM pg_stat_activity"
        + " WHERE datname = '" + db + "' AND usename = '" + TestOrigin.APP_USER + "'"
        + " AND application_name <> 'outpost-catalog' AND pid <> pg_backend_pid()")) {
      while (rs.next()) {
        pids.add(rs.getString(1));
      }
    }
    return pids;
  }

  @Test
  void nonAdminUser_refused_andAdminWithWrongPassword_refused() throws Exception {
    assertThat(Sql.sqlstateOf(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port()
        + "/outpost?user=" + TestOrigin.APP_USER + "&password=" + TestOrigin.APP_PASSWORD + "&preferQueryMode=simple")
        .close())).isEqualTo("28P01");
    assertThat(Sql.sqlstateOf(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port()
        + "/outpost?user=" + ADMIN + "&password=nope&preferQueryMode=simple").close())).isEqualTo("28P01");
  }

  @Test
  void metrics_parseAsPrometheusText_andMatchTheConsole() throws Exception {
    try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, node.node().metrics(), () -> true);
        Connection app = node.connect(); Connection admin = admin()) {
      // the first reads go to the origin uncached until the node has the table's catalog facts
      long hitsBefore = hits();
      for (int i = 0; i < 500 && hits() < hitsBefore + 3; i++) {
        Sql.value(app, "SELECT v AS metrics_read FROM kv WHERE k = 2");
        Thread.sleep(10);
      }
      HttpClient http = HttpClient.newHttpClient();
      String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      Pattern line = Pattern.compile("^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*\\})? -?[0-9.eE+\\-]+(?: [0-9]+)?$|^-?Inf|NaN");
      for (String l : text.split("\n")) {
        if (!l.isEmpty() && !l.startsWith("#")) {
          assertThat(line.matcher(l).find() || l.endsWith("NaN") || l.contains("Inf")).as(l).isTrue();
        }
      }
      Matcher m = Pattern.compile("outpost_queries_total\\{database=\"" + db + "\",status=\"hit\"[^}]*} ([0-9.eE+]+)")
          .matcher(text);
      assertThat(m.find()).as("hit counter in\n%s", text).isTrue();
      long fromMetrics = (long) Double.parseDouble(m.group(1));
      long fromConsole = rows(admin, "SHOW STATS").stream()
          .filter(r -> db.equals(r.get("database")) && "hit".equals(r.get("status")))
          .mapToLong(r -> Long.parseLong(r.get("queries"))).sum();
      assertThat(fromMetrics).isEqualTo(fromConsole).isPositive();
      String health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(health.trim()).isEqualTo("ok");
    }
  }

  private static long hits() {
    return node.node().cacheService().cache().stats().count(CacheStatus.HIT);
  }

  @Test
  void psql_showsTheConsoleAsTables() throws Exception {
    Path psql = Path.of("/usr/bin/psql");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(psql), "psql is not installed on this machine");
    ProcessBuilder pb = new ProcessBuilder(psql.toString(), "-h", "127.0.0.1", "-p", Integer.toString(node.port()),
        "-U", ADMIN, "-d", "outpost", "-c", "SHOW POOLS", "-c", "SHOW CACHE", "-c", "SHOW CLUSTER")
        .redirectErrorStream(true);
    pb.environment().put("PGPASSWORD", ADMIN_PW);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("pool").contains("max_size").contains("hit_ratio").contains("standalone")
        .contains("(1 row)");
  }
}
