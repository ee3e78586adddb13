package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.config.OriginHost;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.origin.OriginConnection;
import dev.outpost.proxy.origin.OriginPool;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * An origin URL that lists several hosts (libpq's multi-host form), against real Postgres servers:
 * a host that cannot be reached is passed over, a cancel goes to the host the connection reached,
 * {@code target_session_attrs=read-write} passes over a read-only server, and when the pool's
 * host fails the pool moves to the next suitable one — all of its connections, never some on
 * each — without a restart.
 */
class OriginMultiHostIT {
  private static final String ADMIN = "hostsadmin";
  private static final String ADMIN_PW = "hosts-Secret-7";

  private static String url(String db, String hosts, String params) {
    return "postgresql://" + TestOrigin.APP_USER + ":" + TestOrigin.APP_PASSWORD + "@" + hosts + "/" + db + params;
  }

  private static Connection admin(TestNode node) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port() + "/outpost?user=" + ADMIN
        + "&password=" + ADMIN_PW + "&preferQueryMode=simple");
  }

  /** The origin_host column of SHOW SERVERS, one entry per origin connection. */
  private static List<String> serverHosts(TestNode node) throws SQLException {
    List<String> hosts = new ArrayList<>();
    try (Connection a = admin(node); Statement s = a.createStatement(); ResultSet r = s.executeQuery("SHOW SERVERS")) {
      while (r.next()) {
        hosts.add(r.getString("origin_host"));
      }
    }
    return hosts;
  }

  /** The one row of SHOW POOLS. */
  private static java.util.Map<String, String> poolRow(TestNode node) throws SQLException {
    java.util.Map<String, String> row = new java.util.HashMap<>();
    try (Connection a = admin(node); Statement s = a.createStatement(); ResultSet r = s.executeQuery("SHOW POOLS")) {
      assertThat(r.next()).isTrue();
      for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
        row.put(r.getMetaData().getColumnName(i), r.getString(i));
      }
      assertThat(r.next()).as("one pool").isFalse();
    }
    return row;
  }

  private static Set<OriginHost> poolHosts(TestNode node) {
    Set<OriginHost> hosts = new HashSet<>();
    for (OriginPool p : node.node().pools()) {
      for (OriginConnection c : p.connections()) {
        hosts.add(c.host());
      }
    }
    return hosts;
  }

  @Test
  void aHostThatCannotBeReached_isPassedOver_andCancelsGoWhereTheConnectionIs() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("multi_host");
    try (Connection su = origin.superConnection(db)) {
      Sql.exec(su, "CREATE TABLE items (id int PRIMARY KEY, name text)", "ALTER TABLE items OWNER TO "
          + TestOrigin.APP_USER, "INSERT INTO items VALUES (1, 'one'), (2, 'two')");
    }
    String live = "127.0.0.1:" + origin.port();
    String hosts = "127.0.0.1:" + NodeProcess.freePort() + "," + live; // nothing listens on the first
    try (TestNode node = TestNode.start(origin, db, b -> b.adminUser(ADMIN).adminPassword(ADMIN_PW)
        .origin(OriginUrl.parse(url(db, hosts, ""))));
        Connection c = node.connect()) {
      assertThat(Sql.value(c, "SELECT inet_server_port()")).isEqualTo(Integer.toString(origin.port()));
      // a cacheable read: the catalog's own connections take the multi-host URL too
      for (int i = 0; i < 3; i++) {
        assertThat(Sql.value(c, "SELECT name FROM items WHERE id = 2")).isEqualTo("two");
      }

      // the CancelRequest must go to the host the backend is on, not to the URL's first one
      try (Statement sleeper = c.createStatement()) {
        CompletableFuture<String> state = CompletableFuture.supplyAsync(
            () -> Sql.sqlstateOf(() -> sleeper.execute("SELECT pg_sleep(20)")));
        Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
          try (Connection su = origin.superConnection(db)) {
            assertThat(Sql.value(su, "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(20)'"))
                .isEqualTo("1");
          }
        });
        sleeper.cancel();
        assertThat(state.get(15, TimeUnit.SECONDS)).isEqualTo("57014");
      }
      assertThat(Sql.value(c, "SELECT 1 + 1")).as("the client goes on after the cancel").isEqualTo("2");
      assertThat(serverHosts(node)).isNotEmpty().containsOnly(live);
    }
  }

  private static void readOnly(TestOrigin o, String db, boolean on) throws SQLException {
    try (Connection su = o.superConnection()) { // (a session in db itself would be read-only too)
      Sql.exec(su, "ALTER DATABASE " + db + (on ? " SET default_transaction_read_only = on"
          : " RESET default_transaction_read_only"));
    }
  }

  /** Opens transactions on {@code clients} at once (each holds an origin connection), answers from each, commits. */
  private static List<String> portsInTransactions(List<Connection> clients) throws SQLException {
    List<String> ports = new ArrayList<>();
    for (Connection c : clients) {
      c.setAutoCommit(false);
      Sql.exec(c, "INSERT INTO t VALUES (1)");
    }
    for (Connection c : clients) {
      ports.add(Sql.value(c, "SELECT inet_server_port()"));
      c.commit();
      c.setAutoCommit(true);
    }
    return ports;
  }

  @Test
  void readWrite_passesOverAReadOnlyHost_andThePoolMovesWhole_onASwitchoverAndWhenItsHostDies() throws Exception {
    TestOrigin b = TestOrigin.shared();
    String db = b.createDatabase("multi_failover");
    TestOrigin a = TestOrigin.dedicated(); // the URL's first host
    boolean stopped = false;
    try {
      try (Connection su = a.superConnection()) {
        Sql.exec(su, "CREATE DATABASE " + db + " OWNER " + TestOrigin.APP_USER);
      }
      for (TestOrigin o : List.of(a, b)) {
        try (Connection su = o.superConnection(db)) {
          // marker differs between the two servers, as the data of a lagging replica may
          Sql.exec(su, "CREATE TABLE t (k int)", "ALTER TABLE t OWNER TO " + TestOrigin.APP_USER,
              "CREATE TABLE marker (v text)", "ALTER TABLE marker OWNER TO " + TestOrigin.APP_USER,
              "INSERT INTO marker VALUES ('" + (o == a ? "a" : "b") + "')");
        }
      }
      readOnly(a, db, true); // a is the "standby" for now
      String aHost = "127.0.0.1:" + a.port();
      String bHost = "127.0.0.1:" + b.port();
      String aPort = Integer.toString(a.port());
      String bPort = Integer.toString(b.port());
      try (TestNode node = TestNode.start(b, db, c -> c.adminUser(ADMIN).adminPassword(ADMIN_PW).poolSize(4)
          .origin(OriginUrl.parse(url(db, aHost + "," + bHost, "?target_session_attrs=read-write"))))) {
        List<Connection> clients = new ArrayList<>();
        try {
          for (int i = 0; i < 3; i++) {
            clients.add(node.connect());
          }
          assertThat(portsInTransactions(clients)).containsOnly(bPort);
          assertThat(serverHosts(node)).hasSize(3).containsOnly(bHost);
          OriginStats atB = new OriginStats(b, db);
          Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> { // until it is a hit, cached from b
            long calls = atB.calls("FROM marker");
            assertThat(Sql.value(clients.get(0), "SELECT v FROM marker")).isEqualTo("b");
            assertThat(atB.calls("FROM marker")).isEqualTo(calls);
          });
          assertThat(poolRow(node)).containsEntry("origin_host", bHost).containsEntry("host_moves", "0");

          // switchover, both servers up: b turns read-only (for new sessions; the pool's open ones
          // still write), a writable. The pool's next new connection reaches a: from then on the
          // pool is on a alone, not partly on b
          readOnly(b, db, true);
          readOnly(a, db, false);
          clients.add(node.connect()); // four transactions at once: the pool opens a fourth connection
          List<String> ports = portsInTransactions(clients);
          assertThat(ports).contains(aPort);
          assertThat(serverHosts(node)).as("the connections to b closed when they came back").containsOnly(aHost);
          assertThat(portsInTransactions(clients)).containsOnly(aPort);
          assertThat(Sql.value(clients.get(0), "SELECT v FROM marker"))
              .as("what was cached from b is not served once the pool is on a").isEqualTo("a");
          assertThat(poolRow(node)).containsEntry("origin_host", aHost).containsEntry("host_moves", "1");

          // a dies: b is writable again, and the pool moves there without a restart
          readOnly(b, db, false);
          a.stop();
          stopped = true;
          Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            try (Connection c = node.connect()) {
              assertThat(Sql.value(c, "SELECT inet_server_port()")).isEqualTo(bPort);
            }
          });
          for (Connection c : clients) { // the clients of before go on there
            Awaitility.await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() ->
                assertThat(Sql.value(c, "SELECT inet_server_port()")).isEqualTo(bPort));
          }
          assertThat(portsInTransactions(clients)).containsOnly(bPort);
          assertThat(poolHosts(node)).containsOnly(new OriginHost("127.0.0.1", b.port()));
          assertThat(serverHosts(node)).isNotEmpty().containsOnly(bHost);
          assertThat(poolRow(node)).containsEntry("origin_host", bHost).containsEntry("host_moves", "2");
        } finally {
          for (Connection c : clients) {
            c.close();
          }
        }
      }
    } finally {
      if (!stopped) {
        a.close();
      }
    }
  }
}
