package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A message larger than the node's buffer memory allows (within max-message-size) is refused as
 * soon as its header arrives: the node closes only its sender, as out of memory (SQLSTATE 53200,
 * logged as a warning that names the remedy, not as an internal error), and keeps serving the
 * others. Large messages may hold half of the node's direct memory (MessageMemory).
 */
class LargeMessageIT {
  @Test
  void aMessageBeyondTheNodesBufferMemory_closesOnlyItsSender_asOutOfMemory() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("largemsg");
    try (NodeProcess node = NodeProcess.start(List.of("-Xmx256m", "-Dio.netty.maxDirectMemory=33554432"),
        List.of("--origin", origin.originUrl(db), "--auth", "trust"))) {
      String url = "jdbc:postgresql://127.0.0.1:" + node.port() + "/" + db + "?user=" + TestOrigin.APP_USER;
      try (Connection healthy = DriverManager.getConnection(url);
          RawClient big = new RawClient(node.port())) {
        Map<String, String> startup = new LinkedHashMap<>();
        startup.put("user", TestOrigin.APP_USER);
        startup.put("database", db);
        big.send(RawClient.startup(3, 0, startup));
        big.readUntilReady();
        // 48 MB: under max-message-size (64 MiB), over the node's 32 MiB of direct memory (16 MiB for large messages)
        byte[] query = RawClient.query("SELECT 1 /* " + "x".repeat(48 << 20) + " */");
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
          try {
            big.send(query);
          } catch (java.io.IOException closedWhileSending) {
            // expected: the node closes the sender before it has sent everything
          }
        });

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
            node.output().stream().anyMatch(l -> l.contains("cannot receive this client message of")
                && l.contains("the connection is closed") && l.contains("give the node more heap")));
        sending.get(30, TimeUnit.SECONDS);
        assertThat(node.output()).noneMatch(l -> l.contains("unexpected failure"));
        // the operator was told at start that max-message-size exceeds what the budget can ever hold
        assertThat(node.output()).anyMatch(l -> l.contains("max-message-size is 67108864 bytes")
            && l.contains("may hold only 16777216 bytes") && l.contains("Give the node more heap"));
        // what the sender reads, if the close did not reset its socket first, is 53200
        RawClient.Message m = readQuietly(big);
        if (m != null) {
          assertThat(m.type()).isEqualTo('E');
          assertThat(new String(m.body(), StandardCharsets.UTF_8))
              .contains("53200", "cannot receive this client message");
        }

        assertThat(Sql.value(healthy, "SELECT 'still serving'")).isEqualTo("still serving");
      }
      try (Connection after = DriverManager.getConnection(url)) {
        assertThat(Sql.value(after, "SELECT 'new clients too'")).isEqualTo("new clients too");
      }
      assertThat(node.isAlive()).isTrue();
    }
  }

  private static RawClient.Message readQuietly(RawClient c) {
    try {
      return c.read();
    } catch (java.io.IOException reset) {
      return null;
    }
  }
}
