package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node of a three-node region is killed under load: the others keep serving, its clients
 * reconnect to another node and continue, and the two survivors' pools grow to half the budget.
 */
class ClusterFailoverIT {
  private static final Logger log = LoggerFactory.getLogger(ClusterFailoverIT.class);

  @Test
  void nodeKilledUnderLoad_othersServe_clientsMoveOn_budgetRedistributed() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("failover");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, v text)",
          "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 50) g",
          "ALTER TABLE kv OWNER TO " + TestOrigin.APP_USER);
    }
    try (TestRegion region = TestRegion.start(origin, db, "fo", 3, 12, null, null, null)) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger moved = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(9);
      List<Future<?>> clients = new ArrayList<>();
      List<Connection> first = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        first.add(region.get(i % 3).connect());
      }
      for (int i = 0; i < 9; i++) {
        int home = i % 3;
        Connection initial = first.get(i);
        clients.add(pool.submit(() -> {
          int node = home;
          Connection c = initial;
          for (int n = 0; !stop.get() && n < 1_000_000; n++) {
            try {
              assertThat(Sql.value(c, "SELECT v FROM kv WHERE k = " + (1 + n % 50))).isEqualTo("v" + (1 + n % 50));
              ok.incrementAndGet();
            } catch (SQLException e) {
              // the node went away: reconnect to the next one, as a client with a list of hosts does
              log.info("client of node {} (port {}) failed ({} {}); moving on", node + 1, region.get(node).port(),
                  e.getSQLState(), e.getMessage());
              c.close();
              node = (node + 1) % 3;
              c = region.get(node).connect();
              moved.incrementAndGet();
            }
          }
          c.close();
          return null;
        }));
      }
      Thread.sleep(1500);
      region.get(0).close(); // kill node 1 under load
      region.awaitMembersOf(List.of(region.get(1), region.get(2)), 2);
      int atKill = ok.get();
      Thread.sleep(2000);
      stop.set(true);
      for (Future<?> f : clients) {
        f.get(1, TimeUnit.MINUTES);
      }
      pool.shutdownNow();
      log.info("{} reads before the kill, {} after; {} client(s) moved to another node", atKill,
          ok.get() - atKill, moved.get());
      assertThat(moved.get()).isEqualTo(3);
      assertThat(ok.get()).isGreaterThan(atKill);
      for (TestNode survivor : List.of(region.get(1), region.get(2))) {
        assertThat(survivor.node().pools()).allSatisfy(p -> assertThat(p.stats().maxSize()).isEqualTo(6));
      }
    }
  }
}
