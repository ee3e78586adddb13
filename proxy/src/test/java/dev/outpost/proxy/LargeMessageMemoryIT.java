package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.testkit.TestOrigin;
import dev.outpost.wire.codec.MessageMemory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Clients' large messages share one budget of the node's memory (MessageMemory): while one client
 * is sending a large message, another one that does not fit beside it is refused with 53200 before
 * its body is buffered, other clients keep working, and the memory is given back when the first
 * message has been forwarded.
 */
class LargeMessageMemoryIT {
  private static final int MESSAGE = 2 << 20; // 2 MiB queries; the budget holds one

  @Test
  void aLargeMessageThatDoesNotFitBesideAnother_isRefused_andTheMemoryComesBack() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("largemem");
    OutpostNode.Options options = OutpostNode.Options.defaults().withLargeMessageMemory(3 << 20);
    try (TestNode node = TestNode.start(origin, db, b -> b, options);
        Connection healthy = DriverManager.getConnection(node.jdbcUrl(""));
        RawClient first = loggedIn(node, db);
        RawClient second = loggedIn(node, db)) {
      MessageMemory memory = node.node().largeMessages();
      byte[] firstQuery = query("first");
      first.send(Arrays.copyOfRange(firstQuery, 0, 100_000)); // header and a part: reserved in full
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> memory.inUse() == firstQuery.length);

      second.send(Arrays.copyOfRange(query("second"), 0, 100_000));
      List<RawClient.Message> refusal = second.readAll();
      assertThat(refusal).hasSize(1);
      assertThat(refusal.get(0).type()).isEqualTo('E');
      assertThat(refusal.get(0).field('C')).isEqualTo("53200");
      assertThat(refusal.get(0).field('M')).contains("cannot receive this client message of " + firstQuery.length
          + " bytes", "already use " + firstQuery.length + " of the " + (3 << 20) + " bytes");
      assertThat(refusal.get(0).field('H')).contains("retry later");
      assertThat(memory.refused()).isEqualTo(1);
      assertThat(memory.inUse()).isEqualTo(firstQuery.length);
      assertThat(Sql.value(healthy, "SELECT 'still serving'")).isEqualTo("still serving");

      first.send(Arrays.copyOfRange(firstQuery, 100_000, firstQuery.length));
      assertThat(first.readUntilReady()).extracting(RawClient.Message::type).contains('D', 'C').doesNotContain('E');
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> memory.inUse() == 0);

      try (RawClient third = loggedIn(node, db)) { // room again
        third.send(query("third"));
        assertThat(third.readUntilReady()).extracting(RawClient.Message::type).contains('D').doesNotContain('E');
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> memory.inUse() == 0);
      assertThat(node.node().metrics().registry().get("outpost.large.messages.refused").functionCounter().count())
          .isEqualTo(1.0);
    }
  }

  @Test
  void aClientThatDisconnectsInTheMiddleOfALargeMessage_givesItsMemoryBack() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("largemem2");
    try (TestNode node = TestNode.start(origin, db, b -> b,
        OutpostNode.Options.defaults().withLargeMessageMemory(3 << 20))) {
      MessageMemory memory = node.node().largeMessages();
      byte[] q = query("gone");
      try (RawClient gone = loggedIn(node, db)) {
        gone.send(Arrays.copyOfRange(q, 0, 100_000));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> memory.inUse() == q.length);
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> memory.inUse() == 0);
      try (RawClient next = loggedIn(node, db)) {
        next.send(q);
        assertThat(next.readUntilReady()).extracting(RawClient.Message::type).contains('D').doesNotContain('E');
      }
    }
  }

  @Test
  void largeBinaryParameters_goThroughUnchanged_andGiveTheirMemoryBack() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("largemem3");
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(1),
        OutpostNode.Options.defaults().withLargeMessageMemory(8 << 20));
        Connection c = DriverManager.getConnection(node.jdbcUrl("prepareThreshold=1"))) {
      Sql.exec(c, "CREATE TABLE blobs (id int PRIMARY KEY, data bytea)");
      java.util.Random random = new java.util.Random(7);
      byte[][] sent = new byte[6][];
      try (java.sql.PreparedStatement insert = c.prepareStatement("INSERT INTO blobs VALUES (?, ?)")) {
        for (int i = 0; i < sent.length; i++) {
          sent[i] = new byte[(1 << 20) + i * 4099]; // each Bind is a large message
          random.nextBytes(sent[i]);
          insert.setInt(1, i);
          insert.setBytes(2, sent[i]);
          assertThat(insert.executeUpdate()).isEqualTo(1);
        }
      }
      try (java.sql.PreparedStatement select = c.prepareStatement("SELECT data, md5(data) FROM blobs WHERE id = ?")) {
        for (int i = 0; i < sent.length; i++) {
          select.setInt(1, i);
          try (java.sql.ResultSet rs = select.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBytes(1)).isEqualTo(sent[i]);
            assertThat(rs.getString(2)).isEqualTo(md5(sent[i]));
          }
        }
      }
      MessageMemory memory = node.node().largeMessages();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> memory.inUse() == 0);
      assertThat(memory.refused()).isZero();
    }
  }

  @Test
  void aLargeRowFromTheOriginThatDoesNotFit_failsOnlyItsQuery_with53200_andTheRetrySucceeds() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("largemem4");
    try (TestNode node = TestNode.start(origin, db, b -> b,
        OutpostNode.Options.defaults().withLargeMessageMemory(3 << 20));
        Connection reader = DriverManager.getConnection(node.jdbcUrl(""));
        Connection healthy = DriverManager.getConnection(node.jdbcUrl(""));
        RawClient uploader = loggedIn(node, db)) {
      MessageMemory memory = node.node().largeMessages();
      String bigRow = "SELECT repeat('r', " + (MESSAGE - 1000) + ") AS v";
      assertThat(Sql.value(reader, bigRow)).hasSize(MESSAGE - 1000); // fits while nothing else is held
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> memory.inUse() == 0);

      byte[] upload = query("upload");
      uploader.send(Arrays.copyOfRange(upload, 0, 100_000)); // holds 2 MiB of the 3
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> memory.inUse() == upload.length);
      java.sql.SQLException e = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
          () -> Sql.value(reader, bigRow));
      assertThat(e.getSQLState()).isEqualTo("53200");
      assertThat(e.getMessage()).contains("Outpost closed the origin connection that was answering this request",
          "cannot receive this origin message of", "already use " + upload.length + " of the " + (3 << 20) + " bytes");
      assertThat(e.getMessage()).contains("retry later");
      assertThat(memory.refused()).isEqualTo(1);
      assertThat(Sql.value(healthy, "SELECT 'still serving'")).isEqualTo("still serving");
      assertThat(Sql.value(reader, "SELECT 'same connection'")).isEqualTo("same connection");

      uploader.send(Arrays.copyOfRange(upload, 100_000, upload.length));
      assertThat(uploader.readUntilReady()).extracting(RawClient.Message::type).contains('D').doesNotContain('E');
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> memory.inUse() == 0);
      assertThat(Sql.value(reader, bigRow)).hasSize(MESSAGE - 1000); // the retry succeeds
    }
  }

  private static String md5(byte[] data) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(data));
  }

  /** A simple Query of exactly {@link #MESSAGE} bytes that answers {@code label}. */
  private static byte[] query(String label) {
    String head = "SELECT '" + label + "' /* ";
    String tail = " */";
    int padding = MESSAGE - 5 - 1 - head.length() - tail.length();
    byte[] m = RawClient.query(head + "x".repeat(padding) + tail);
    assertThat(m).hasSize(MESSAGE);
    assertThat(MESSAGE).isGreaterThan(MessageMemory.LARGE);
    return m;
  }

  private static RawClient loggedIn(TestNode node, String db) throws Exception {
    RawClient c = new RawClient(node.port());
    c.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
    return c;
  }
}
