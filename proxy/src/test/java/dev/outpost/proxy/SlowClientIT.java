package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client that stops reading while selecting about 1 GiB of rows must not make the node buffer
 * them: with a 128 MiB heap the node survives and keeps serving everyone else, because it stops
 * reading from the origin while the client's socket is full, and while what it read for a session
 * on another event loop waits there (without that bound the node ran out of direct memory when
 * the session and its origin connection were on different loops: twice in CI, and in 1 of 16 runs
 * of a script doing what this test does). When it then reads everything, the buffer the node
 * reads the origin into must not keep what was already relayed (it once grew to 36 MiB here in
 * CI; {@link LongResultIT} pins that).
 */
class SlowClientIT {
  private static final Logger log = LoggerFactory.getLogger(SlowClientIT.class);

  @Test
  void clientStopsReading_1GiBResult_nodeWith128MiBHeapSurvives() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("slow");
    try (NodeProcess node = NodeProcess.start(List.of("-Xmx128m", "-Dio.netty.maxDirectMemory=67108864"),
        List.of("--origin", origin.originUrl(db), "--pool-size", "4", "--auth", "trust"))) {
      RawClient stalled = new RawClient(node.port());
      Map<String, String> startup = new LinkedHashMap<>();
      startup.put("user", TestOrigin.APP_USER);
      startup.put("database", db);
      stalled.send(RawClient.startup(3, 0, startup));
      stalled.readUntilReady();
      // ~1.1 GB of rows; the client never reads them
      stalled.send(RawClient.query("SELECT repeat('x', 1000) FROM generate_series(1, 1100000)"));

      String url = "jdbc:postgresql://127.0.0.1:" + node.port() + "/" + db + "?user=" + TestOrigin.APP_USER;
      long maxRss = 0;
      try (Connection healthy = DriverManager.getConnection(url)) {
        for (int i = 0; i < 300; i++) {
          assertThat(Sql.value(healthy, "SELECT sum(g) FROM generate_series(1, " + (i + 1) + ") g"))
              .isEqualTo(Long.toString((long) (i + 1) * (i + 2) / 2));
          if (i % 10 == 0) {
            maxRss = Math.max(maxRss, node.residentKib());
            Thread.sleep(30); // give the origin time to push rows at the stalled client
          }
        }
      }
      assertThat(node.isAlive()).isTrue();
      log.info("node resident memory peaked at {} MiB while a client stalled on a 1.1 GB result", maxRss / 1024);
      // the stalled client now reads everything: not a row was dropped or buffered away
      long rows = 0;
      RawClient.Message m;
      while ((m = stalled.read()) != null && m.type() != 'C') {
        assertThat(m.type()).as("message %s after %d rows: %s; the node logged:%n%s", m.type(), rows,
            new String(m.body(), java.nio.charset.StandardCharsets.UTF_8), warnings(node)).isIn('T', 'D');
        if (m.type() == 'D') {
          rows++;
        }
      }
      assertThat(rows).as("rows the stalled client read; the node logged:%n%s", warnings(node)).isEqualTo(1_100_000);
      assertThat(new String(m.body(), java.nio.charset.StandardCharsets.UTF_8)).startsWith("SELECT 1100000");
      assertThat(stalled.read().type()).isEqualTo('Z');
      assertThat(node.output()).noneMatch(l -> l.contains("OutOfMemoryError") || l.contains("OutOfDirectMemory"));
      stalled.close();
      // the stalled client's backend was mid-result; the node recovers and keeps serving
      try (Connection after = DriverManager.getConnection(url)) {
        assertThat(Sql.value(after, "SELECT 'still serving'")).isEqualTo("still serving");
      }
      assertThat(node.isAlive()).isTrue();
    }
  }

  /** The node's warnings and errors, for a failure message. */
  private static String warnings(NodeProcess node) {
    return String.join("\n", node.output().stream()
        .filter(l -> l.contains("WARN") || l.contains("ERROR") || l.contains("Exception") || l.contains("Error"))
        .limit(40).toList());
  }
}
