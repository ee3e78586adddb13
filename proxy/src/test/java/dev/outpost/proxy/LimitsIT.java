package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.net.Socket;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** auth-timeout, max-client-connections and client-idle-timeout. */
class LimitsIT {
  @Test
  void silentConnections_droppedAfterAuthTimeout_whileANormalClientWorks() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("limits_auth");
    try (TestNode node = TestNode.start(origin, db, b -> b.authTimeout(Duration.ofSeconds(2)))) {
      List<Socket> silent = new ArrayList<>();
      try (Connection normal = node.connect()) {
        for (int i = 0; i < 200; i++) {
          Socket s = new Socket("127.0.0.1", node.port());
          s.setSoTimeout(15_000);
          silent.add(s);
        }
        for (int i = 0; i < 20; i++) {
          assertThat(Sql.value(normal, "SELECT " + i)).isEqualTo(Integer.toString(i));
        }
        int closed = 0;
        for (Socket s : silent) {
          // the node answers FATAL (or nothing) and closes; read() reaches end of stream
          byte[] buf = new byte[256];
          int n;
          while ((n = s.getInputStream().read(buf)) > 0) {
            assertThat(buf[0]).isEqualTo((byte) 'E');
          }
          if (n < 0) {
            closed++;
          }
        }
        assertThat(closed).isEqualTo(200);
        assertThat(Sql.value(normal, "SELECT 'still working'")).isEqualTo("still working");
      } finally {
        for (Socket s : silent) {
          s.close();
        }
      }
    }
  }

  @Test
  void oneMoreThanMaxClientConnections_gets53300() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("limits_max");
    try (TestNode node = TestNode.start(origin, db, b -> b.maxClientConnections(5))) {
      List<Connection> in = new ArrayList<>();
      try {
        for (int i = 0; i < 5; i++) {
          in.add(node.connect());
        }
        assertThat(Sql.sqlstateOf(() -> node.connect().close())).isEqualTo("53300");
        in.remove(0).close();
        Thread.sleep(200); // the node notices the close
        try (Connection again = node.connect()) {
          assertThat(Sql.value(again, "SELECT 1")).isEqualTo("1");
        }
      } finally {
        for (Connection c : in) {
          c.close();
        }
      }
    }
  }

  @Test
  void idleClient_closedAfterClientIdleTimeout_with57P05() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("limits_idle");
    try (TestNode node = TestNode.start(origin, db, b -> b.clientIdleTimeout(Duration.ofSeconds(1)));
        Connection c = node.connect()) {
      assertThat(Sql.value(c, "SELECT 1")).isEqualTo("1");
      Thread.sleep(2500);
      String state = Sql.sqlstateOf(() -> Sql.value(c, "SELECT 2"));
      assertThat(state).isEqualTo("57P05");
    }
  }
}
