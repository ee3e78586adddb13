package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import dev.outpost.proxy.config.PoolMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/** COPY in both directions through Outpost gives what it gives directly. */
class CopyIT {
  private static final int ROWS = 100_000;

  @Test
  void copyInAndOut_100kRows_matchDirect() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("copy");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE direct_t (id int, name text, amount numeric, note text)",
          "CREATE TABLE proxied_t (id int, name text, amount numeric, note text)",
          "ALTER TABLE direct_t OWNER TO " + TestOrigin.APP_USER,
          "ALTER TABLE proxied_t OWNER TO " + TestOrigin.APP_USER);
    }
    StringBuilder input = new StringBuilder();
    for (int i = 0; i < ROWS; i++) {
      input.append(i).append('\t').append("name-").append(i).append(i % 7 == 0 ? "-ü" : "").append('\t')
          .append(i * 3).append('.').append(i % 100).append('\t').append(i % 11 == 0 ? "\\N" : "note " + i)
          .append('\n');
    }
    try (Connection direct = DriverManager.getConnection(origin.appJdbcUrl(db, ""));
        TestNode node = TestNode.start(origin, db, b -> b.poolSize(2));
        Connection proxied = node.connect()) {
      CopyManager d = direct.unwrap(PGConnection.class).getCopyAPI();
      CopyManager p = proxied.unwrap(PGConnection.class).getCopyAPI();
      assertThat(d.copyIn("COPY direct_t FROM STDIN", new StringReader(input.toString()))).isEqualTo(ROWS);
      assertThat(p.copyIn("COPY proxied_t FROM STDIN", new StringReader(input.toString()))).isEqualTo(ROWS);
      assertThat(Sql.value(proxied, "SELECT count(*) FROM proxied_t")).isEqualTo(Integer.toString(ROWS));

      ByteArrayOutputStream viaDirect = new ByteArrayOutputStream();
      ByteArrayOutputStream viaProxy = new ByteArrayOutputStream();
      assertThat(d.copyOut("COPY (SELECT * FROM direct_t ORDER BY id) TO STDOUT", viaDirect)).isEqualTo(ROWS);
      assertThat(p.copyOut("COPY (SELECT * FROM proxied_t ORDER BY id) TO STDOUT", viaProxy)).isEqualTo(ROWS);
      assertThat(viaProxy.toString(StandardCharsets.UTF_8)).isEqualTo(viaDirect.toString(StandardCharsets.UTF_8))
          .isEqualTo(input.toString());
      // a failing COPY leaves the session usable
      String state = Sql.sqlstateOf(() -> {
        try {
          p.copyIn("COPY proxied_t FROM STDIN", new StringReader("not\ta\tnumber\tx\n"));
        } catch (java.io.IOException e) {
          throw new AssertionError(e);
        }
      });
      assertThat(state).isEqualTo("22P02");
      assertThat(Sql.value(proxied, "SELECT 'ok'")).isEqualTo("ok");
    }
  }

  /**
   * COPY FROM STDIN in the extended protocol as libpq's PQexecParams sends it: Parse, Bind,
   * Describe, Execute, Sync, then the data, CopyDone (or CopyFail) and another Sync. Postgres
   * ignores the first Sync in copy-in mode and answers one ReadyForQuery; the node answered the
   * next query with a protocol error (it waited for two) and closed the connection.
   */
  @Test
  void copyFromStdin_inTheExtendedProtocol_asLibpqSendsIt_answersAsDirect() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("copyext");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE ext_t (id int, name text)", "ALTER TABLE ext_t OWNER TO " + TestOrigin.APP_USER);
    }
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(1))) {
      List<String> direct = copyTheLibpqWay(origin.port(), db);
      List<String> proxied = copyTheLibpqWay(node.port(), db);
      assertThat(proxied).isEqualTo(direct).contains("C:COPY 2", "E:57014", "D:in step");
    }
    try (Connection c = origin.superConnection(db)) {
      assertThat(Sql.value(c, "SELECT count(*) FROM ext_t")).as("two rows copied each way").isEqualTo("4");
    }
  }

  /**
   * COPY FROM STDIN with its data sent right behind the Query, before the origin's CopyInResponse,
   * as asyncpg's {@code copy_records_to_table} and {@code copy_to_table} send it (the first after a
   * Parse, Describe and Flush of its own). Postgres reads the data once it is in copy-in mode, and
   * ignores CopyData, CopyDone and CopyFail outside it. The node dropped data that reached it before
   * the CopyInResponse, and the client and the origin backend then waited for each other for ever.
   */
  @ParameterizedTest(name = "{0} pooling")
  @EnumSource(PoolMode.class)
  void copyFromStdin_withItsDataSentBeforeTheOriginAnswers_answersAsDirect(PoolMode mode) throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("copyahead" + mode.name().toLowerCase(java.util.Locale.ROOT));
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE ahead_t (id int, name text)", "ALTER TABLE ahead_t OWNER TO " + TestOrigin.APP_USER);
    }
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(1).poolMode(mode))) {
      List<String> direct = copyWithDataAhead(origin.port(), db);
      List<String> proxied = copyWithDataAhead(node.port(), db);
      assertThat(proxied).isEqualTo(direct)
          .containsSubsequence("G", "C:COPY 2", "Z", "G", "C:COPY 2", "Z", "E:42P01", "Z", "D:after a failed copy",
              "G", "E:57014", "Z", "G", "C:COPY 1", "Z", "D:7");
    }
    try (Connection c = origin.superConnection(db)) {
      assertThat(Sql.value(c, "SELECT count(*) FROM ahead_t")).as("each way: 2 + 2 + 1 rows").isEqualTo("10");
    }
  }

  /**
   * Every message received, summarized, for: a COPY with its data and CopyDone in the same write as
   * the Query; the same after a Parse, Describe statement and Flush (asyncpg's look at the columns);
   * a COPY into a table that does not exist with its data ahead (the data is then ignored), and a
   * query after it; a COPY given up with CopyFail sent ahead; an extended-protocol COPY with its
   * data, CopyDone and Sync ahead, followed in the same write by a query.
   */
  private static List<String> copyWithDataAhead(int port, String db) throws Exception {
    byte[] rows = "1\tone\n2\ttwo\n".getBytes(StandardCharsets.UTF_8);
    byte[] done = RawClient.message('c', new byte[0]);
    List<String> seen = new ArrayList<>();
    try (RawClient raw = new RawClient(port)) {
      raw.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
      raw.send(Wire.concat(RawClient.query("COPY ahead_t FROM STDIN"), RawClient.message('d', rows), done));
      raw.readUntilReady().forEach(m -> seen.add(m.summary()));

      raw.send(Wire.concat(Wire.parse("intro", "SELECT id, name FROM ahead_t LIMIT 1"),
          RawClient.message('D', "Sintro\0".getBytes(StandardCharsets.UTF_8)), RawClient.message('H', new byte[0])));
      for (int i = 0; i < 3; i++) { // ParseComplete, ParameterDescription, RowDescription
        seen.add(raw.read().summary());
      }
      raw.send(Wire.concat(RawClient.query("COPY ahead_t (id, name) FROM STDIN"), RawClient.message('d', rows), done));
      raw.readUntilReady().forEach(m -> seen.add(m.summary()));

      raw.send(Wire.concat(RawClient.query("COPY no_such_table FROM STDIN"), RawClient.message('d', rows), done));
      raw.readUntilReady().forEach(m -> seen.add(m.summary()));
      raw.send(RawClient.query("SELECT 'after a failed copy'"));
      raw.readUntilReady().forEach(m -> seen.add(m.summary()));

      raw.send(Wire.concat(RawClient.query("COPY ahead_t FROM STDIN"), RawClient.message('d', rows),
          RawClient.message('f', "changed my mind\0".getBytes(StandardCharsets.UTF_8))));
      raw.readUntilReady().forEach(m -> seen.add(m.summary()));

      raw.send(Wire.concat(Wire.parse("", "COPY ahead_t FROM STDIN"), Wire.bind("", ""), Wire.execute(""),
          Wire.sync(), RawClient.message('d', "3\tthree\n".getBytes(StandardCharsets.UTF_8)), done, Wire.sync(),
          RawClient.query("SELECT 7")));
      raw.readUntilReady().forEach(m -> seen.add(m.summary()));
      raw.readUntilReady().forEach(m -> seen.add(m.summary()));
    }
    return seen;
  }

  /**
   * Two COPY FROM STDIN runs (one completed, one given up with CopyFail), each followed by a query;
   * every message received, as type and, for CommandComplete, ErrorResponse and DataRow, its tag,
   * SQLSTATE or first value.
   */
  private static List<String> copyTheLibpqWay(int port, String db) throws Exception {
    List<String> seen = new ArrayList<>();
    try (RawClient raw = new RawClient(port)) {
      raw.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
      for (boolean complete : new boolean[] {true, false}) {
        raw.send(Wire.concat(Wire.parse("", "COPY ext_t FROM STDIN"), Wire.bind("", ""),
            Wire.describePortal(""), Wire.execute(""), Wire.sync()));
        RawClient.Message m;
        while ((m = raw.read()) != null && m.type() != 'G') {
          seen.add(m.summary());
        }
        seen.add("G");
        if (complete) {
          raw.send(Wire.concat(RawClient.message('d', "1\tone\n2\ttwo\n".getBytes(StandardCharsets.UTF_8)),
              RawClient.message('c', new byte[0]), Wire.sync()));
        } else {
          raw.send(Wire.concat(RawClient.message('f', "given up\0".getBytes(StandardCharsets.UTF_8)),
              Wire.sync()));
        }
        raw.readUntilReady().forEach(r -> seen.add(r.summary()));
        raw.send(RawClient.query("SELECT 'in step'"));
        raw.readUntilReady().forEach(r -> seen.add(r.summary()));
      }
    }
    return seen;
  }
}
