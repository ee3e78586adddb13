package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two nodes of one region as separate JVMs from the built jar with real flags: a fill made on one
 * node is a hit on the other (counted at the origin), and a write through one invalidates the
 * other.
 */
class ClusterProcessIT {
  @Test
  void twoProcesses_shareFills_andInvalidateEachOther() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("processes");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, v text)",
          "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 20) g",
          "ALTER TABLE kv OWNER TO " + TestOrigin.APP_USER);
    }
    int p1 = NodeProcess.freePort();
    int p2 = NodeProcess.freePort();
    String peers = "127.0.0.1:" + p1 + ",127.0.0.1:" + p2;
    List<String> jvm = List.of("-Xmx256m");
    try (NodeProcess n1 = NodeProcess.start(jvm, List.of("--origin", origin.originUrl(db), "--pool-size", "4",
        "--region", "pr", "--node-name", "pr-1", "--cluster-bind", "127.0.0.1:" + p1, "--cluster-peers", peers));
        NodeProcess n2 = NodeProcess.start(jvm, List.of("--origin", origin.originUrl(db), "--pool-size", "4",
            "--region", "pr", "--node-name", "pr-2", "--cluster-bind", "127.0.0.1:" + p2, "--cluster-peers", peers));
        Connection c1 = DriverManager.getConnection(url(n1, db));
        Connection c2 = DriverManager.getConnection(url(n2, db))) {
      OriginStats stats = new OriginStats(origin, db);
      // both nodes learn the catalog facts of the table from another statement first
      for (int i = 0; i < 20; i++) {
        Sql.value(c1, "SELECT v FROM kv WHERE k = 1");
        Sql.value(c2, "SELECT v FROM kv WHERE k = 1");
        Thread.sleep(50);
      }
      String read = "SELECT v AS across_processes FROM kv WHERE k = 7";
      assertThat(Sql.value(c1, read)).isEqualTo("v7"); // node 1 misses and fills; the fill goes to node 2
      stats.reset();
      String seen = null;
      long calls = -1;
      for (int i = 0; i < 100; i++) {
        seen = Sql.value(c2, read);
        calls = stats.calls("across_processes");
        if (calls == 0) {
          break;
        }
        stats.reset(); // the fill was still on its way: try again
        Thread.sleep(20);
      }
      assertThat(seen).isEqualTo("v7");
      assertThat(calls).as("node 2 answered from the fill node 1 made").isZero();

      Sql.exec(c1, "UPDATE kv SET v = 'changed on 1' WHERE k = 7");
      String after = Sql.value(c2, read);
      for (int i = 0; i < 500 && !"changed on 1".equals(after); i++) {
        Thread.sleep(10);
        after = Sql.value(c2, read);
      }
      assertThat(after).isEqualTo("changed on 1");
      assertThat(n1.isAlive()).isTrue();
      assertThat(n2.isAlive()).isTrue();
    }
  }

  private static String url(NodeProcess n, String db) {
    return "jdbc:postgresql://127.0.0.1:" + n.port() + "/" + db + "?user=" + TestOrigin.APP_USER + "&password="
        + TestOrigin.APP_PASSWORD;
  }
}
