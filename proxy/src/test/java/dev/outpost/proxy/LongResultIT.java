package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * A long answer passed to a client that keeps up must cost the node no more memory than one
 * that is short. The node reads the origin into a buffer and hands its messages to the client as
 * slices of it; the bytes already handed over must leave that buffer. With Netty's merging
 * cumulator they did not: the buffer grew by every read that ended inside a message, and a
 * 1 GiB result ran a node with a small direct memory out of it (SlowClientIT failed so in CI: the
 * origin connection's read asked for 36 MiB; by hand, with one event loop and 16 MiB of direct
 * memory, a 1.1 GB COPY TO STDOUT failed 3 times in 3).
 */
class LongResultIT {
  private static final long ROWS = 1_100_000;

  @Test
  void clientKeepsUp_1GiBCopyOut_nodeWith16MiBDirectMemoryRelaysIt() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("longresult");
    // one event loop: the client's session and its origin connection share it, so the client is
    // written before the next read (a read handed to another loop is still held at the next one,
    // and then the buffer is replaced rather than grown, which hides the fault)
    try (NodeProcess node = NodeProcess.start(
        List.of("-Xmx128m", "-Dio.netty.maxDirectMemory=16777216", "-Dio.netty.leakDetection.level=disabled"),
        List.of("--origin", origin.originUrl(db), "--pool-size", "2", "--auth", "trust", "--cache", "off",
            "--worker-threads", "1"))) {
      String url = "jdbc:postgresql://127.0.0.1:" + node.port() + "/" + db + "?user=" + TestOrigin.APP_USER;
      try (Connection c = DriverManager.getConnection(url)) {
        for (int i = 0; i < 2; i++) {
          CountingSink sink = new CountingSink();
          long rows = c.unwrap(PGConnection.class).getCopyAPI()
              .copyOut("COPY (SELECT repeat('x', 1000) FROM generate_series(1, " + ROWS + ")) TO STDOUT", sink);
          assertThat(rows).as("rows copied out, pass %d; the node logged:%n%s", i, String.join("\n", node.output()))
              .isEqualTo(ROWS);
          assertThat(sink.bytes).isEqualTo(ROWS * 1001);
          assertThat(sink.lastByte).isEqualTo('\n');
        }
        assertThat(Sql.value(c, "SELECT 'still serving'")).isEqualTo("still serving");
      }
      assertThat(node.output()).noneMatch(l -> l.contains("OutOfMemoryError") || l.contains("OutOfDirectMemory"));
      assertThat(node.isAlive()).isTrue();
    }
  }

  /** Counts what it is given and keeps none of it. */
  private static final class CountingSink extends OutputStream {
    long bytes;
    int lastByte = -1;

    @Override
    public void write(int b) {
      bytes++;
      lastByte = b & 0xFF;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bytes += len;
      if (len > 0) {
        lastByte = b[off + len - 1] & 0xFF;
      }
    }
  }
}
