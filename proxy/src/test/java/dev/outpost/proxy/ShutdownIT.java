package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM: the node stops accepting connections, lets a transaction in flight commit, closes idle
 * clients, and exits within shutdown-timeout.
 */
class ShutdownIT {
  @Test
  void sigterm_transactionInFlightCommits_newConnectionsRefused_processExits() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("shutdown");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE t (x int)", "ALTER TABLE t OWNER TO " + TestOrigin.APP_USER);
    }
    try (NodeProcess node = NodeProcess.start(List.of(), List.of("--origin", origin.originUrl(db),
        "--shutdown-timeout", "10s"))) {
      String url = "jdbc:postgresql://127.0.0.1:" + node.port() + "/" + db + "?user=" + TestOrigin.APP_USER
          + "&password=" + TestOrigin.APP_PASSWORD;
      try (Connection inTx = DriverManager.getConnection(url); Connection idle = DriverManager.getConnection(url)) {
        Sql.value(idle, "SELECT 1");
        inTx.setAutoCommit(false);
        Sql.exec(inTx, "INSERT INTO t VALUES (1)");
        ProcessHandle.of(node.pid()).orElseThrow().destroy(); // SIGTERM
        Thread.sleep(500);
        assertThat(Sql.sqlstateOf(() -> DriverManager.getConnection(url + "&connectTimeout=2").close()))
            .as("new connections are refused").startsWith("08");
        assertThat(Sql.sqlstateOf(() -> Sql.value(idle, "SELECT 2"))).as("an idle client is closed")
            .isIn("57P01", "08006", "08003");
        Sql.exec(inTx, "INSERT INTO t VALUES (2)");
        inTx.commit();
      }
      assertThat(node.terminate()).as("exit code").isIn(0, 143);
      assertThat(node.isAlive()).isFalse();
    }
    try (Connection c = origin.superConnection(db)) {
      assertThat(Sql.value(c, "SELECT count(*) FROM t")).isEqualTo("2");
    }
  }
}
