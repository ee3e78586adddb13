package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.PoolMode;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.origin.OriginPool;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The origin refuses a new connection with a FATAL of its own (here: the role's connection limit,
 * 53300). With no connection of the pool open, the clients waiting for one get an ERROR with the
 * origin's words at once; with connections open, the pool stops growing and they wait for those.
 */
class OriginRefusalIT {
  private static final String PASSWORD = "limited-pw";

  /**
   * A database and a role of its own (a role's connection limit counts across databases) that may
   * hold {@code limit} connections.
   */
  private static String limitedDatabase(TestOrigin origin, String name, int limit) throws SQLException {
    String db = origin.createDatabase(name);
    try (Connection admin = DriverManager.getConnection(origin.superJdbcUrl(db))) {
      Sql.exec(admin, "DROP ROLE IF EXISTS " + role(db),
          "CREATE ROLE " + role(db) + " LOGIN PASSWORD '" + PASSWORD + "' CONNECTION LIMIT " + limit,
          "GRANT CONNECT ON DATABASE " + db + " TO " + role(db));
    }
    return db;
  }

  private static String role(String db) {
    return "limited_" + db;
  }

  /** The cache off: no catalog connection competes for the ones the role may hold. */
  private static ProxyConfig.Builder config(TestOrigin origin, String db) {
    return ProxyConfig.builder(OriginUrl.parse(origin.originUrl(role(db), PASSWORD, db)))
        .listen("127.0.0.1", 0).minIdle(0).cacheEnabled(false);
  }

  /**
   * The answer to the request just sent: one ErrorResponse, 53300 at ERROR severity (as FATAL, a
   * client would take its own session for ended), then ReadyForQuery.
   */
  private static RawClient.Message tooManyConnectionsError(RawClient client) throws Exception {
    List<RawClient.Message> answer = client.readUntilReady();
    assertThat(answer).extracting(RawClient.Message::type).containsExactly('E', 'Z');
    RawClient.Message error = answer.get(0);
    assertThat(error.field('C')).isEqualTo("53300");
    assertThat(error.field('S')).isEqualTo("ERROR");
    return error;
  }

  private static String url(OutpostNode node, String db) {
    return "jdbc:postgresql://127.0.0.1:" + node.port() + "/" + db + "?user=" + role(db) + "&password=" + PASSWORD;
  }

  /**
   * The one connection the role may hold is taken by another program: the client that waited gets
   * an ERROR with the origin's SQLSTATE and words (as FATAL, a client would take its own session for
   * ended), and its session goes on — the next request succeeds once the origin has room.
   */
  @Test
  void noConnectionOpen_theWaitingClientGetsTheRefusalAtOnce_andItsSessionGoesOn() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = limitedDatabase(origin, "refused_empty", 1);
    try (OutpostNode node = new OutpostNode(config(origin, db).poolSize(2).poolMode(PoolMode.TRANSACTION)
        .acquireTimeout(Duration.ofSeconds(30)).build()).start();
        RawClient client = new RawClient(node.port())) {
      client.login(role(db), PASSWORD, db); // the node connects once for the server's parameters
      OriginPool pool = node.pools().iterator().next();
      try (Connection admin = DriverManager.getConnection(origin.superJdbcUrl(db))) {
        Sql.exec(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role(db) + "'");
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().total() == 0);
      Connection elsewhere = DriverManager.getConnection("jdbc:postgresql://" + origin.host() + ":"
          + origin.port() + "/" + db + "?user=" + role(db) + "&password=" + PASSWORD); // not through the node
      client.send(RawClient.query("SELECT 'refused'"));
      RawClient.Message error = tooManyConnectionsError(client);
      assertThat(error.field('M')).startsWith("the origin refused a new connection: too many connections");
      elsewhere.close();
      client.send(RawClient.query("SELECT 'later'"));
      assertThat(client.readUntilReady()).as("the same session goes on").extracting(RawClient.Message::type)
          .containsExactly('T', 'D', 'C', 'Z');
    }
  }

  /**
   * Transaction pooling, a pool of 6, a role allowed 2 connections, 12 clients at once: the pool's
   * third connection is refused, and the clients queued for it are served by the two that are
   * open instead of failing (before, every client queued at that moment, at its login or its
   * query, got the origin's 53300).
   */
  @Test
  void connectionsOpen_aBurstWaitsForThem_andNoClientFails() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = limitedDatabase(origin, "refused_burst", 2);
    try (OutpostNode node = new OutpostNode(config(origin, db).poolSize(6).poolMode(PoolMode.TRANSACTION)
        .acquireTimeout(Duration.ofSeconds(30)).build()).start()) {
      int clients = 12;
      int statements = 25;
      ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      try {
        List<Future<Integer>> done = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
          done.add(pool.submit(() -> {
            int ok = 0;
            try (Connection c = DriverManager.getConnection(url(node, db))) {
              for (int n = 0; n < statements; n++) {
                try {
                  if ("1".equals(Sql.value(c, "SELECT 1 FROM pg_sleep(0.01)"))) {
                    ok++;
                  }
                } catch (SQLException e) {
                  errors.add(e.getSQLState() + " " + e.getMessage());
                }
              }
            }
            return ok;
          }));
        }
        int ok = 0;
        for (Future<Integer> f : done) {
          ok += f.get(120, TimeUnit.SECONDS);
        }
        assertThat(errors).as("errors clients saw").isEmpty();
        assertThat(ok).isEqualTo(clients * statements);
      } finally {
        pool.shutdownNow();
      }
      OriginPool.PoolStats stats = node.pools().iterator().next().stats();
      assertThat(stats.connectFailures()).as("the origin refused the pool's third connection").isPositive();
      assertThat(stats.total()).as("open connections").isLessThanOrEqualTo(2);
      assertThat(stats.lastError()).contains("too many connections");
    }
  }

  /**
   * Session pooling: the only connection the role may hold serves another client's session. The
   * waiting client times out with 53300, and the error names the origin's refusal, not only the
   * pool's size; its session goes on once the other one ends.
   */
  @Test
  void connectionsOpen_aClientThatWaitsOutTheTimeout_isToldOfTheRefusal() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = limitedDatabase(origin, "refused_session", 1);
    try (OutpostNode node = new OutpostNode(config(origin, db).poolSize(2).poolMode(PoolMode.SESSION)
        .acquireTimeout(Duration.ofSeconds(2)).build()).start()) {
      Connection first = DriverManager.getConnection(url(node, db));
      assertThat(Sql.value(first, "SELECT 'first'")).isEqualTo("first"); // holds the one connection allowed
      try (RawClient second = new RawClient(node.port())) {
        second.login(role(db), PASSWORD, db);
        second.send(RawClient.query("SELECT 'second'"));
        RawClient.Message error = tooManyConnectionsError(second);
        assertThat(error.field('M')).startsWith("could not acquire an origin connection within 2000 ms")
            .contains("1 open").contains("the origin refused the last new connection: too many connections");
        assertThat(error.field('H')).contains("max_connections").contains("CONNECTION LIMIT");
        first.close(); // gives its origin connection back
        second.send(RawClient.query("SELECT 'second, later'"));
        assertThat(second.readUntilReady()).as("the same session goes on").extracting(RawClient.Message::type)
            .containsExactly('T', 'D', 'C', 'Z');
      }
    }
  }
}
