package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The admin console's PAUSE as an operator uses it around origin maintenance: it answers once the
 * transactions that were running have ended, requests that need the origin wait meanwhile, and an
 * origin restarted between PAUSE and RESUME costs the waiting clients nothing but time.
 */
class PauseIT {
  private static final String ADMIN = "pauser";
  private static final String ADMIN_PW = "pause-Secret-7";

  private static Connection admin(TestNode node) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port() + "/outpost?user=" + ADMIN
        + "&password=" + ADMIN_PW + "&preferQueryMode=simple");
  }

  /** A statement run on another thread; its text, or "failed: …" with the SQLSTATE. */
  private static CompletableFuture<String> later(Connection c, String sql) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return Sql.value(c, sql);
      } catch (SQLException e) {
        return "failed: " + e.getSQLState() + " " + e.getMessage();
      }
    });
  }

  @Test
  void pause_answersOnceRunningTransactionsEnd_andAnOriginRestartBeforeResumeCostsClientsNoError()
      throws Exception {
    TestOrigin origin = TestOrigin.dedicated();
    TestOrigin restarted = null;
    try {
      String db = origin.createDatabase("pause");
      try (Connection su = origin.superConnection(db)) {
        Sql.exec(su, "CREATE TABLE t (k int)", "ALTER TABLE t OWNER TO " + TestOrigin.APP_USER);
      }
      try (TestNode node = TestNode.start(origin, db, b -> b.adminUser(ADMIN).adminPassword(ADMIN_PW).poolSize(4));
          Connection writer = node.connect(); Connection reader = node.connect(); Connection admin = admin(node)) {
        writer.setAutoCommit(false);
        Sql.exec(writer, "INSERT INTO t VALUES (1)"); // a transaction running when PAUSE comes

        CompletableFuture<String> pause = CompletableFuture.supplyAsync(() -> {
          try {
            Sql.exec(admin, "PAUSE");
            return "paused";
          } catch (SQLException e) {
            return "failed: " + e.getSQLState() + " " + e.getMessage();
          }
        });
        Thread.sleep(300);
        assertThat(pause).as("PAUSE answers only once the running transaction has ended").isNotDone();
        writer.commit(); // the running transaction goes on and ends
        assertThat(pause.get(10, TimeUnit.SECONDS)).isEqualTo("paused");

        CompletableFuture<String> held = later(reader, "SELECT k::text FROM t ORDER BY k FOR SHARE");
        Thread.sleep(300);
        assertThat(held).as("a request that needs the origin waits for RESUME").isNotDone();
        int readerId = reader.unwrap(org.postgresql.PGConnection.class).getBackendPID();
        try (java.sql.Statement s = admin.createStatement(); java.sql.ResultSet rs = s.executeQuery("SHOW CLIENTS")) {
          String state = null;
          while (rs.next()) {
            if (rs.getInt("id") == readerId) {
              state = rs.getString("state");
            }
          }
          assertThat(state).as("SHOW CLIENTS for the held client").isEqualTo("paused");
        }

        origin.stop(); // maintenance of the origin while the node holds its clients
        restarted = origin.restart();
        // (a restarted test origin starts empty: put the database back as it was)
        try (Connection su = restarted.superConnection()) {
          Sql.exec(su, "CREATE DATABASE " + db + " OWNER " + TestOrigin.APP_USER);
        }
        try (Connection su = restarted.superConnection(db)) {
          Sql.exec(su, "CREATE TABLE t (k int)", "ALTER TABLE t OWNER TO " + TestOrigin.APP_USER,
              "INSERT INTO t VALUES (1)");
        }

        Sql.exec(admin, "RESUME");
        assertThat(held.get(30, TimeUnit.SECONDS)).as("the held request, after the origin restart").isEqualTo("1");
        assertThat(Sql.value(writer, "SELECT count(*) FROM t")).isEqualTo("1"); // the writer's session goes on
        writer.commit();
      }
    } finally {
      (restarted != null ? restarted : origin).close();
    }
  }

  /** PAUSE db holds that database's requests only; RESUME db lets them go. */
  @Test
  void pauseOfOneDatabase_holdsItsRequestsOnly() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String paused = origin.createDatabase("pause_one");
    String other = origin.createDatabase("pause_other");
    try (TestNode node = TestNode.start(origin, paused, b -> b.adminUser(ADMIN).adminPassword(ADMIN_PW));
        Connection inPaused = node.connect();
        Connection inOther = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port() + "/" + other
            + "?user=" + TestOrigin.APP_USER + "&password=" + TestOrigin.APP_PASSWORD);
        Connection admin = admin(node)) {
      Sql.exec(admin, "PAUSE " + paused); // nobody holds a connection of that database: answered at once
      CompletableFuture<String> held = later(inPaused, "SELECT current_database()");
      assertThat(Sql.value(inOther, "SELECT current_database()")).as("another database is not paused")
          .isEqualTo(other);
      Thread.sleep(300);
      assertThat(held).as("a request of the paused database waits").isNotDone();
      java.util.Map<String, String> states = new java.util.HashMap<>();
      try (java.sql.Statement st = admin.createStatement(); java.sql.ResultSet r = st.executeQuery("SHOW POOLS")) {
        while (r.next()) {
          states.put(r.getString("pool"), r.getString("database_state"));
        }
      }
      assertThat(states).containsEntry(TestOrigin.APP_USER + "@" + paused, "paused")
          .containsEntry(TestOrigin.APP_USER + "@" + other, "active");
      Sql.exec(admin, "RESUME " + other); // a database that is not paused: nothing changes
      Thread.sleep(100);
      assertThat(held).isNotDone();
      Sql.exec(admin, "RESUME " + paused);
      assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo(paused);
    }
  }

  /**
   * While paused, a stale cache entry is served as stale-while-revalidate allows, but its refresh
   * (the node's own query to the origin) waits: the first stale hit after RESUME refreshes it.
   */
  @Test
  void whilePaused_aStaleHitIsServed_butNotRefreshedUntilResume() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("pause_swr");
    try (Connection su = origin.superConnection(db)) {
      Sql.exec(su, "CREATE TABLE price (id int PRIMARY KEY, amount int)", "INSERT INTO price VALUES (1, 100)",
          "ALTER TABLE price OWNER TO " + TestOrigin.APP_USER);
    }
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);
    dev.outpost.proxy.cache.CachePolicy policy = new dev.outpost.proxy.cache.CachePolicy(true, Duration.ofSeconds(10),
        Duration.ofSeconds(60), 64L << 20, 1L << 20, java.util.List.of());
    OriginStats stats = new OriginStats(origin, db);
    try (TestNode node = TestNode.start(origin, db, b -> b.adminUser(ADMIN).adminPassword(ADMIN_PW),
            dev.outpost.proxy.server.OutpostNode.Options.defaults().withCachePolicy(policy).withTicker(now::get));
        Connection client = node.connect(); Connection admin = admin(node)) {
      String read = "SELECT amount AS paused_swr FROM price WHERE id = 1";
      for (int i = 0; i < 50 && hits(node) == 0; i++) {
        assertThat(Sql.value(client, read)).isEqualTo("100");
        Thread.sleep(20);
      }
      assertThat(hits(node)).isPositive();
      stats.reset();
      Sql.exec(admin, "PAUSE");
      now.addAndGet(TimeUnit.SECONDS.toNanos(15)); // past max-age, inside the stale window
      for (int i = 0; i < 3; i++) {
        assertThat(Sql.value(client, read)).as("served stale while paused").isEqualTo("100");
      }
      Thread.sleep(300);
      assertThat(stats.calls("paused_swr")).as("no refresh reached the origin while paused").isZero();
      Sql.exec(admin, "RESUME");
      assertThat(Sql.value(client, read)).isEqualTo("100"); // stale again, and this one refreshes
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(stats.calls("paused_swr")).as("the refresh after RESUME").isEqualTo(1));
    }
  }

  private static long hits(TestNode node) {
    return node.node().cacheService().cache().stats().count(dev.outpost.cache.CacheStatus.HIT);
  }

  @Test
  void pause_stillBlockedAfterTheTimeout_namesTheClientHoldingOn_andStaysPausedUntilResume() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("pause_timeout");
    try (TestNode node = TestNode.start(origin, db,
            b -> b.adminUser(ADMIN).adminPassword(ADMIN_PW).shutdownTimeout(Duration.ofMillis(500)));
        Connection idleInTransaction = node.connect(); Connection other = node.connect();
        Connection admin = admin(node)) {
      idleInTransaction.setAutoCommit(false);
      Sql.value(idleInTransaction, "SELECT 1");
      int id = idleInTransaction.unwrap(org.postgresql.PGConnection.class).getBackendPID();

      SQLException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
          () -> Sql.exec(admin, "PAUSE"), SQLException.class);
      assertThat((Object) refused).isNotNull();
      assertThat(refused.getSQLState()).isEqualTo("55000");
      assertThat(refused.getMessage()).contains("1 client(s) still hold an origin connection")
          .contains("client " + id + " (in transaction for");

      CompletableFuture<String> held = later(other, "SELECT pg_backend_pid()::text");
      Thread.sleep(300);
      assertThat(held).as("the node stays paused after the error").isNotDone();
      Sql.exec(admin, "RESUME");
      assertThat(held.get(10, TimeUnit.SECONDS)).doesNotStartWith("failed");
      idleInTransaction.commit();
    }
  }
}
