package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two nodes of one region as separate JVMs from the built jar with real flags: a fill made on one
 * node is a hit on the other (counted at the origin), and a write through one invalidates the
 * other.
 */
class ClusterProcessIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

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
    int metrics2 = NodeProcess.freePort();
    String peers = "127.0.0.1:" + p1 + ",127.0.0.1:" + p2;
    List<String> jvm = List.of("-Xmx256m");
    try (NodeProcess n1 = NodeProcess.start(jvm, List.of("--origin", origin.originUrl(db), "--pool-size", "4",
        "--region", "pr", "--node-name", "pr-1", "--cluster-bind", "127.0.0.1:" + p1, "--cluster-peers", peers));
        NodeProcess n2 = NodeProcess.start(jvm, List.of("--origin", origin.originUrl(db), "--pool-size", "4",
            "--region", "pr", "--node-name", "pr-2", "--cluster-bind", "127.0.0.1:" + p2, "--cluster-peers", peers,
            "--metrics", "127.0.0.1:" + metrics2));
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
      double received = fillsReceived(metrics2);
      assertThat(Sql.value(c1, read)).isEqualTo("v7"); // node 1 misses and fills; the fill goes to node 2
      // wait until node 2 says it stored a fill from node 1, without reading on node 2 meanwhile (a
      // miss there would fill node 2 itself and hide a broken replication)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (fillsReceived(metrics2) <= received && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(fillsReceived(metrics2)).as("node 2 stored node 1's fill").isGreaterThan(received);
      stats.reset();
      assertThat(Sql.value(c2, read)).isEqualTo("v7");
      assertThat(stats.calls("across_processes")).as("node 2's first read answered from node 1's fill").isZero();

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

  /** Node 2's counter of fills it stored from other nodes, read from its Prometheus endpoint. */
  private static double fillsReceived(int metricsPort) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    for (String line : r.body().split("\n")) {
      if (line.startsWith("outpost_cluster_fills_received_total")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no outpost_cluster_fills_received_total in node 2's metrics");
  }

  private static String url(NodeProcess n, String db) {
    return "jdbc:postgresql://127.0.0.1:" + n.port() + "/" + db + "?user=" + TestOrigin.APP_USER + "&password="
        + TestOrigin.APP_PASSWORD;
  }
}
