package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.config.AuthMethod;
import dev.outpost.testkit.TestOrigin;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed input gets an ErrorResponse with 08P01 (or 0A000) and a closed connection, and never
 * disturbs a healthy client working at the same time.
 */
class MalformedInputIT {
  private static TestNode node;
  private static final AtomicBoolean running = new AtomicBoolean(true);
  private static final AtomicInteger healthyQueries = new AtomicInteger();
  private static CompletableFuture<Void> healthy;

  @BeforeAll
  static void start() {
    TestOrigin origin = TestOrigin.shared();
    node = TestNode.start(origin, origin.createDatabase("malformed"), b -> b.poolSize(2).authMethod(AuthMethod.TRUST));
    healthy = CompletableFuture.runAsync(() -> {
      try (Connection c = node.connect()) {
        for (int i = 0; running.get() && i < 100_000; i++) {
          assertThat(Sql.value(c, "SELECT " + i)).isEqualTo(Integer.toString(i));
          healthyQueries.incrementAndGet();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @AfterAll
  static void stop() throws Exception {
    running.set(false);
    healthy.get(30, TimeUnit.SECONDS); // throws if the healthy client ever failed
    assertThat(healthyQueries.get()).isPositive();
    node.close();
  }

  private static Map<String, String> user() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("user", TestOrigin.APP_USER);
    p.put("database", "postgres");
    return p;
  }

  private static void assertRejected(RawClient c, String sqlstate, String messagePart) throws Exception {
    List<RawClient.Message> all = c.readAll();
    RawClient.Message last = all.get(all.size() - 1);
    assertThat(last.type()).as("last message of %s", all).isEqualTo('E');
    assertThat(last.field('C')).isEqualTo(sqlstate);
    assertThat(last.field('S')).isEqualTo("FATAL");
    assertThat(last.field('M')).contains(messagePart);
    assertThat(c.closedByServer()).isTrue();
  }

  @Test
  void garbageInsteadOfStartup_isProtocolViolation() throws Exception {
    try (RawClient c = new RawClient(node.port())) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      assertRejected(c, "08P01", "invalid length of startup packet");
    }
  }

  @Test
  void garbageBeforeSslRequest_isProtocolViolation() throws Exception {
    try (RawClient c = new RawClient(node.port())) {
      byte[] ssl = ByteBuffer.allocate(8).putInt(8).putInt(80877103).array();
      c.send(new byte[] {'x', 'y', 'z'});
      c.send(ssl);
      assertRejected(c, "08P01", "invalid length of startup packet");
    }
  }

  @Test
  void protocolVersion99_isFeatureNotSupported() throws Exception {
    try (RawClient c = new RawClient(node.port())) {
      c.send(RawClient.startup(9, 9, user()));
      assertRejected(c, "0A000", "unsupported frontend protocol 9.9");
    }
  }

  @Test
  void truncatedStartupPacket_isProtocolViolation() throws Exception {
    try (RawClient c = new RawClient(node.port())) {
      byte[] full = RawClient.startup(3, 0, user());
      byte[] half = java.util.Arrays.copyOf(full, full.length / 2);
      c.send(half);
      c.shutdownOutput();
      assertRejected(c, "08P01", "incomplete startup packet");
    }
  }

  @Test
  void startupWithoutTerminator_isProtocolViolation() throws Exception {
    try (RawClient c = new RawClient(node.port())) {
      byte[] full = RawClient.startup(3, 0, user());
      byte[] cut = java.util.Arrays.copyOf(full, full.length - 1);
      ByteBuffer.wrap(cut).putInt(cut.length);
      c.send(cut);
      assertRejected(c, "08P01", "invalid startup packet layout");
    }
  }

  private static RawClient loggedIn() throws Exception {
    RawClient c = new RawClient(node.port());
    c.send(RawClient.startup(3, 0, user()));
    List<RawClient.Message> login = c.readUntilReady();
    assertThat(login.get(0).type()).isEqualTo('R');
    return c;
  }

  @Test
  void unknownMessageType_afterLogin_isProtocolViolation() throws Exception {
    try (RawClient c = loggedIn()) {
      c.send(RawClient.message('z', new byte[0]));
      assertRejected(c, "08P01", "invalid client message type 'z'");
    }
  }

  @Test
  void twoGibLength_isProtocolViolation() throws Exception {
    try (RawClient c = loggedIn()) {
      c.send(new byte[] {'Q', 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 's', 'e'});
      assertRejected(c, "08P01", "invalid client message length 2147483647");
    }
  }

  @Test
  void lengthBelowFour_isProtocolViolation() throws Exception {
    try (RawClient c = loggedIn()) {
      c.send(new byte[] {'S', 0, 0, 0, 2});
      assertRejected(c, "08P01", "invalid client message length 2");
    }
  }

  @Test
  void bindWithLyingParameterLength_isProtocolViolation() throws Exception {
    try (RawClient c = loggedIn()) {
      // Bind "" "" 0 formats, 1 parameter claiming 1000 bytes but carrying 2, then Sync
      byte[] body = {0, 0, 0, 0, 0, 1, 0, 0, 3, (byte) 0xe8, 'a', 'b'};
      c.send(RawClient.message('P', "\0select $1::text\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      c.send(RawClient.message('B', body));
      c.send(RawClient.message('S', new byte[0]));
      assertRejected(c, "08P01", "invalid Bind message");
    }
  }

  @Test
  void parseWithMissingParameterTypes_isProtocolViolation() throws Exception {
    try (RawClient c = loggedIn()) {
      // Parse "" "select $1::int" claiming 2 parameter types but carrying one, then Sync
      byte[] sql = "\0select $1::int\0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      byte[] body = java.util.Arrays.copyOf(sql, sql.length + 6);
      body[sql.length + 1] = 2; // int16 count = 2
      body[sql.length + 5] = 23; // one int32 type: int4
      c.send(RawClient.message('P', body));
      c.send(RawClient.message('S', new byte[0]));
      assertRejected(c, "08P01", "invalid Parse message");
    }
  }

  @Test
  void passwordMessageAfterLogin_isProtocolViolation() throws Exception {
    try (RawClient c = loggedIn()) {
      c.send(RawClient.message('p', "secret\0".getBytes()));
      assertRejected(c, "08P01", "unexpected password message");
    }
  }

  @Test
  void healthyRawClient_stillAnswered() throws Exception {
    try (RawClient c = loggedIn()) {
      c.send(RawClient.query("SELECT 'fine'"));
      List<RawClient.Message> answer = c.readUntilReady();
      assertThat(answer).extracting(RawClient.Message::type).containsExactly('T', 'D', 'C', 'Z');
    }
  }
}
