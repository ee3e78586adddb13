package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.admin.AdminConsole;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The origin stops under load and comes back: in-flight and new work fails fast with 08-class
 * errors (never hangs past the timeouts), clients stay connected to Outpost, and queries succeed
 * again once the origin is back — without restarting Outpost.
 */
class OriginOutageIT {
  @Test
  void originStoppedUnderLoad_failsFastWith08_andRecoversWithoutRestart() throws Exception {
    TestOrigin origin = TestOrigin.dedicated();
    String db = "postgres";
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(4).acquireTimeout(Duration.ofSeconds(5))
        .connectTimeout(Duration.ofSeconds(3)))) {
      int clients = 8;
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger ok = new AtomicInteger();
      Set<String> errorStates = ConcurrentHashMap.newKeySet();
      CountDownLatch warmedUp = new CountDownLatch(clients);
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<?>> workers = new ArrayList<>();
      List<Connection> connections = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        Connection c = node.connect("socketTimeout=60");
        connections.add(c);
        workers.add(pool.submit(() -> {
          boolean counted = false;
          for (int n = 0; !stop.get() && n < 1_000_000; n++) {
            try {
              Sql.value(c, "SELECT count(*) FROM generate_series(1, 1000)");
              ok.incrementAndGet();
            } catch (SQLException e) {
              errorStates.add(e.getSQLState());
            }
            if (!counted) {
              counted = true;
              warmedUp.countDown();
            }
          }
          return null;
        }));
      }
      assertThat(warmedUp.await(30, TimeUnit.SECONDS)).isTrue();
      origin.stop();
      Thread.sleep(3000); // clients keep hammering the node while the origin is gone
      // Only connection-class errors, or the origin's own shutdown messages passed on as it sent them
      // (57P01 to sessions it terminates, 57P03 to a connection attempt made while it shuts down): a
      // request that had waited for a connection until the acquire timeout would have failed with
      // 53300 instead.
      assertThat(errorStates).isNotEmpty()
          .allMatch(s -> s.startsWith("08") || s.equals("57P01") || s.equals("57P03"),
          "only connection-class errors");
      TestOrigin restarted = origin.restart();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int okAtRestart = ok.get();
        while (ok.get() < okAtRestart + 100 && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertThat(ok.get()).as("queries succeed again once the origin is back").isGreaterThanOrEqualTo(okAtRestart + 100);
        stop.set(true);
        for (Future<?> w : workers) {
          try {
            w.get(30, TimeUnit.SECONDS);
          } catch (java.util.concurrent.TimeoutException stuck) {
            AdminConsole admin = new AdminConsole(node.node());
            throw new AssertionError("a client's query never finished; the node's clients: "
                + admin.execute("SHOW CLIENTS").rows() + "; sessions: "
                + node.node().sessions().stream().map(x -> x.routingState()).toList() + "; servers: " + admin.execute("SHOW SERVERS").rows()
                + "; threads: " + threadDump(), stuck);
          }
        }
        // the same client connections survived the outage
        for (Connection c : connections) {
          assertThat(Sql.value(c, "SELECT 'back'")).isEqualTo("back");
          c.close();
        }
        try (Connection direct = DriverManager.getConnection(restarted.superJdbcUrl("postgres"))) {
          assertThat(Sql.value(direct, "SELECT 1")).isEqualTo("1");
        }
      } finally {
        pool.shutdownNow();
        restarted.close();
      }
    }
  }

  /** The stacks of this JVM's threads (the node runs in it), for a failure message. */
  private static String threadDump() {
    StringBuilder b = new StringBuilder();
    Thread.getAllStackTraces().forEach((t, stack) -> {
      b.append('\n').append(t.getName()).append(' ').append(t.getState());
      for (int i = 0; i < Math.min(stack.length, 40); i++) {
        b.append("\n    at ").append(stack[i]);
      }
    });
    return b.toString();
  }
}
