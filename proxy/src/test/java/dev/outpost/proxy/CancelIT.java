package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.wan.WanEmulator;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Statement.cancel() reaches the origin backend that runs the client's query. */
class CancelIT {
  @ParameterizedTest(name = "preferQueryMode={0}")
  @ValueSource(strings = {"simple", "extended"})
  void cancel_longSleep_endsWith57014AndConnectionStaysUsable(String mode) throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("cancel");
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2));
        Connection c = node.connect("preferQueryMode=" + mode);
        Connection other = node.connect()) {
      Sql.exec(other, "SELECT 1"); // the other backend is busy elsewhere; cancel must hit the right one
      Statement s = c.createStatement();
      CompletableFuture<String> outcome = CompletableFuture.supplyAsync(() -> {
        try {
          s.execute("SELECT pg_sleep(30)");
          return "finished";
        } catch (SQLException e) {
          return e.getSQLState();
        }
      });
      // wait until the sleep is running at the origin, then cancel
      for (int i = 0; i < 200 && !sleeping(origin, db); i++) {
        Thread.sleep(50);
      }
      assertThat(sleeping(origin, db)).isTrue();
      s.cancel();
      assertThat(outcome.get(10, TimeUnit.SECONDS)).isEqualTo("57014");
      assertThat(Sql.value(c, "SELECT 'still usable'")).isEqualTo("still usable");
      assertThat(Sql.value(other, "SELECT 'other fine'")).isEqualTo("other fine");
    }
  }

  /**
   * Protocol 3.2 (Postgres 18, libpq's max_protocol_version=3.2): the client gets a 256-bit cancel
   * key, as from Postgres, and a CancelRequest carrying it cancels; a client asking for a later
   * minor version is told 3.2, one asking for 3.1 (never used) is told 3.0 and keeps 4 bytes.
   */
  @Test
  void protocol32_longCancelKey_isIssuedAndCancels() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("cancel_v32");
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2));
        RawClient c = new RawClient(node.port())) {
      List<RawClient.Message> login = c.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db, 2);
      assertThat(login).extracting(RawClient.Message::type).doesNotContain('v');
      ByteBuffer key = ByteBuffer.wrap(only(login, 'K').body());
      assertThat(key.remaining()).isEqualTo(4 + 32);
      int pid = key.getInt();
      byte[] secret = new byte[32];
      key.get(secret);

      c.send(RawClient.query("SELECT pg_sleep(30)"));
      for (int i = 0; i < 200 && !sleeping(origin, db); i++) {
        Thread.sleep(50);
      }
      assertThat(sleeping(origin, db)).isTrue();
      try (Socket cancel = new Socket("127.0.0.1", node.port())) {
        cancel.getOutputStream().write(ByteBuffer.allocate(12 + 32).putInt(12 + 32).putInt(80877102).putInt(pid)
            .put(secret).array());
        assertThat(cancel.getInputStream().read()).isEqualTo(-1); // closed without an answer, as by Postgres
      }
      assertThat(c.readUntilReady()).extracting(RawClient.Message::summary).contains("E:57014");
    }
    try (TestNode node = TestNode.start(origin, db, b -> b);
        RawClient later = new RawClient(node.port());
        RawClient reserved = new RawClient(node.port())) {
      List<RawClient.Message> asked5 = later.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db, 5);
      assertThat(ByteBuffer.wrap(only(asked5, 'v').body()).getInt()).isEqualTo(2);
      assertThat(only(asked5, 'K').body()).hasSize(4 + 32);
      List<RawClient.Message> asked1 = reserved.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db, 1);
      assertThat(ByteBuffer.wrap(only(asked1, 'v').body()).getInt()).isZero();
      assertThat(only(asked1, 'K').body()).hasSize(4 + 4);
    }
  }

  private static RawClient.Message only(List<RawClient.Message> messages, char type) {
    List<RawClient.Message> of = messages.stream().filter(m -> m.type() == type).toList();
    assertThat(of).hasSize(1);
    return of.get(0);
  }

  /**
   * A cancel sent as its query ends lands in whatever the backend runs next. Far from the origin
   * (here 100 ms each way, and a new connection's handshake on top) a client's cancel, sent while
   * its query still runs, reaches the backend only after the query ended and the backend, back in
   * the pool, started the next client's query. The pool hands the backend on only once the origin
   * has taken the cancel (closed the cancel connection); a cancel that finds the backend idle is
   * ignored by Postgres, so the next client's query runs undisturbed.
   */
  @Test
  void aCancelLandingAfterItsQueryEnded_doesNotEndTheNextClientsQueryOnThatBackend() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("strayCancel");
    try (WanEmulator wan = WanEmulator.builder().listen("127.0.0.1", 0).target(origin.host(), origin.port())
            .delay(Duration.ofMillis(100)).start();
        TestNode node = TestNode.start(origin, db, b -> b.poolSize(1)
            .origin(OriginUrl.parse(origin.originUrl(db).replace(origin.host() + ":" + origin.port(),
                wan.host() + ":" + wan.port()))));
        Connection a = node.connect();
        Connection b = node.connect()) {
      Sql.exec(a, "SELECT 1"); // the pool's one connection is open (its handshake paid)
      boolean raced = false;
      for (int attempt = 0; attempt < 3 && !raced; attempt++) {
        Statement sa = a.createStatement();
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> outcome(sa, "SELECT pg_sleep(0.5)"));
        Thread.sleep(100);
        Statement sb = b.createStatement();
        // waits for the one connection, then starts at the origin about 200 ms after the first ended
        CompletableFuture<String> second = CompletableFuture.supplyAsync(
            () -> outcome(sb, "SELECT 'the second query ran', pg_sleep(0.5)"));
        Thread.sleep(500); // the first still sleeps at the origin; its answer is 100 ms or more away
        sa.cancel();       // reaches the backend 300 ms from now: after the first query ended
        assertThat(second.get(20, TimeUnit.SECONDS)).as("the second client's query").isEqualTo("the second query ran");
        raced = first.get(20, TimeUnit.SECONDS).equals("finished"); // else the cancel came in time: try again
      }
      assertThat(raced).as("the cancel reached the origin after the first query ended, in one of 3 attempts").isTrue();
    }
  }

  /** The first column of {@code sql}'s row, "finished" for a void result, or the SQLSTATE it failed with. */
  private static String outcome(Statement s, String sql) {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      String v = rs.getString(1);
      return v == null || v.isEmpty() ? "finished" : v;
    } catch (SQLException e) {
      return e.getSQLState();
    }
  }

  private static boolean sleeping(TestOrigin origin, String db) throws SQLException {
    try (Connection c = origin.superConnection()) {
      return Sql.longValue(c, "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db
          + "' AND state = 'active' AND query LIKE 'SELECT pg_sleep%'") > 0;
    }
  }
}
