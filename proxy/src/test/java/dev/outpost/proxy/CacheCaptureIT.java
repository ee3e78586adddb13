package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheStatus;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A cache miss whose request never reaches the origin — no connection within the acquire timeout,
 * the origin unreachable, the wait cancelled — must not leave its result capture behind. Kept, the
 * capture (armed for the miss's key) was attached to the session's next forwarded request, and that
 * request's result was stored under the miss's key: another query's rows served as a hit. And the
 * miss's single-flight ticket was never given up, so every other session missing the same key waited
 * for the whole acquire timeout (seen in {@code outpost-bench soak}: all clients still for 15 s after
 * an origin restart). The forwarder also refuses to attach a capture to a request it was not
 * planned for (a second line of defence, which logs a WARN when it has to act).
 */
class CacheCaptureIT {
  private static TestOrigin origin;
  private static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    origin = TestOrigin.shared();
    String db = origin.createDatabase("cachecapture");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE kv (k int PRIMARY KEY, v text)",
          "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 10) g",
          "ALTER TABLE kv OWNER TO " + TestOrigin.APP_USER);
    }
    // one origin connection, and a short wait for it
    node = TestNode.start(origin, db, b -> b.poolSize(1).acquireTimeout(Duration.ofSeconds(1)));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String readV(Connection c, int k) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT v FROM kv WHERE k = ?")) {
      ps.setInt(1, k);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static long count(CacheStatus s) {
    return node.node().cacheService().cache().stats().count(s);
  }

  @Test
  void aMissThatTimedOutWaitingForAConnection_capturesNothing_andLeavesNoOneWaiting() throws Exception {
    try (CapturedLog log = CapturedLog.attach(); Connection warm = node.connect(); Connection holder = node.connect();
        Connection client = node.connect(); Connection other = node.connect()) {
      // the catalog has described the table once key 10 is a hit: reads of kv are cacheable from here
      for (int i = 0; i < 50 && count(CacheStatus.HIT) == 0; i++) {
        assertThat(readV(warm, 10)).isEqualTo("v10");
        Thread.sleep(20);
      }
      assertThat(count(CacheStatus.HIT)).as("reads of kv became hits").isPositive();

      holder.setAutoCommit(false);
      assertThat(Sql.value(holder, "SELECT 'holds the only origin connection'")).isNotNull();
      // a miss for key 1: its capture is armed, then no connection comes within the acquire timeout
      assertThat(Sql.sqlstateOf(() -> readV(client, 1))).isNotNull();
      holder.commit();

      // the same session's next request is not cacheable; it must not fill key 1's entry
      assertThat(Sql.value(client, "SELECT 'not row 1: ' || clock_timestamp()::text")).startsWith("not row 1");
      assertThat(readV(other, 1)).isEqualTo("v1");
      assertThat(readV(other, 1)).as("and as a hit").isEqualTo("v1");
      assertThat(readV(client, 1)).isEqualTo("v1");
      // the session itself dropped the capture; the forwarder's last-line check never had to
      assertThat(log.lines()).noneMatch(l -> l.contains("planned for another request"));
    }
  }
}
