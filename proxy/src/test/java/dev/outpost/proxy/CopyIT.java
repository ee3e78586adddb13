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
import org.junit.jupiter.api.Test;
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
