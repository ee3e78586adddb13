package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same mixed workload runs directly against the origin and through Outpost (transaction
 * pooling, 2 origin connections shared by 20 clients); every client's transcript — rows, update
 * counts, batch counts, SQLSTATEs — must be identical. Clients use prepareThreshold 0, 1 and 5 in
 * turn, so unnamed, named-at-once and named-later statements, and binary transfer, all occur.
 */
class DifferentialWorkloadIT {
  private static final int CLIENTS = 20;
  private static final int[] THRESHOLDS = {0, 1, 5};
  private static final String SCHEMA = "CREATE TABLE items (client int, id int, name text, qty int,"
      + " price numeric(12,2), ratio float8, created timestamptz, data bytea, tags text[], flag boolean,"
      + " big bigint, PRIMARY KEY (client, id))";

  @ParameterizedTest(name = "preferQueryMode={0}")
  @ValueSource(strings = {"simple", "extended", "extendedForPrepared"})
  void mixedWorkload_throughTransactionPool_matchesDirect(String mode) throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String directDb = origin.createDatabase("diff_direct");
    String proxiedDb = origin.createDatabase("diff_proxied");
    for (String db : List.of(directDb, proxiedDb)) {
      try (Connection c = origin.superConnection(db); Statement s = c.createStatement()) {
        s.execute(SCHEMA);
        s.execute("ALTER TABLE items OWNER TO " + TestOrigin.APP_USER);
      }
    }
    AtomicInteger statements = new AtomicInteger();
    List<List<String>> direct = runAll(i -> origin.appJdbcUrl(directDb, params(mode, i)), statements);
    int directCount = statements.getAndSet(0);
    List<List<String>> proxied;
    try (TestNode node = TestNode.start(origin, proxiedDb, b -> b.poolSize(2))) {
      proxied = runAll(i -> node.jdbcUrl(params(mode, i)), statements);
    }
    for (int i = 0; i < CLIENTS; i++) {
      assertThat(proxied.get(i)).as("transcript of client %d", i).containsExactlyElementsOf(direct.get(i));
    }
    assertThat(directCount).isGreaterThanOrEqualTo(5000);
    assertThat(statements.get()).isEqualTo(directCount);
  }

  private static String params(String mode, int client) {
    return "preferQueryMode=" + mode + "&prepareThreshold=" + THRESHOLDS[client % THRESHOLDS.length];
  }

  private interface UrlForClient {
    String url(int client);
  }

  private static List<List<String>> runAll(UrlForClient urls, AtomicInteger statements) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<List<String>>> futures = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        int client = i;
        futures.add(pool.submit(() -> new ClientWorkload(client, urls.url(client), statements).run()));
      }
      List<List<String>> transcripts = new ArrayList<>();
      for (Future<List<String>> f : futures) {
        transcripts.add(f.get(5, TimeUnit.MINUTES));
      }
      return transcripts;
    } finally {
      pool.shutdownNow();
    }
  }

  /** One client's deterministic workload over its own rows. */
  private static final class ClientWorkload {
    private final int client;
    private final String url;
    private final AtomicInteger statements;
    private final Random random;
    private final List<String> transcript = new ArrayList<>();

    ClientWorkload(int client, String url, AtomicInteger statements) {
      this.client = client;
      this.url = url;
      this.statements = statements;
      this.random = new Random(1000L + client);
    }

    List<String> run() throws SQLException {
      try (Connection c = DriverManager.getConnection(url)) {
        for (int round = 0; round < 10; round++) {
          round(c, round);
        }
      }
      return transcript;
    }

    private void round(Connection c, int round) throws SQLException {
      int base = round * 100;
      // single inserts with parameters of many types
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO items (client, id, name, qty, price, ratio,"
          + " created, data, tags, flag, big) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (int k = 0; k < 5; k++) {
          bindRow(c, ps, base + k);
          record("insert", ps.executeUpdate());
        }
      }
      // batch insert
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO items (client, id, name, qty, price, ratio,"
          + " created, data, tags, flag, big) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (int k = 5; k < 15; k++) {
          bindRow(c, ps, base + k);
          ps.addBatch();
        }
        int[] counts = ps.executeBatch();
        statements.addAndGet(counts.length - 1);
        record("batch", Arrays.toString(counts));
      }
      // point and range selects with parameters
      try (PreparedStatement ps = c.prepareStatement("SELECT id, name, qty, price, ratio, created, data, tags,"
          + " flag, big FROM items WHERE client = ? AND id = ?")) {
        for (int k = 0; k < 8; k++) {
          ps.setInt(1, client);
          ps.setInt(2, base + random.nextInt(16));
          recordRows("point", ps);
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT id, qty, price * ?::numeric AS scaled FROM items"
          + " WHERE client = ? AND id BETWEEN ? AND ? AND name LIKE ? ORDER BY id")) {
        for (int k = 0; k < 4; k++) {
          ps.setBigDecimal(1, new BigDecimal("1.5"));
          ps.setInt(2, client);
          ps.setInt(3, base);
          ps.setInt(4, base + 20);
          ps.setString(5, "item%");
          recordRows("range", ps);
        }
      }
      // updates, plain statements
      try (PreparedStatement ps = c.prepareStatement("UPDATE items SET qty = qty + ?, ratio = ratio * 2"
          + " WHERE client = ? AND id = ?")) {
        for (int k = 0; k < 5; k++) {
          ps.setInt(1, random.nextInt(10));
          ps.setInt(2, client);
          ps.setInt(3, base + random.nextInt(20));
          record("update", ps.executeUpdate());
        }
      }
      try (Statement s = c.createStatement()) {
        recordRows("agg", s, "SELECT count(*), sum(qty), max(price), bool_and(flag) FROM items WHERE client = "
            + client);
        record("delete", s.executeUpdate("DELETE FROM items WHERE client = " + client + " AND id = " + (base + 14)));
        recordRows("array", s, "SELECT tags, array_length(tags, 1) FROM items WHERE client = " + client
            + " AND id = " + base);
      }
      // a transaction that commits
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("UPDATE items SET name = ? WHERE client = ? AND id = ?")) {
        ps.setString(1, "committed-" + round);
        ps.setInt(2, client);
        ps.setInt(3, base);
        record("txn-update", ps.executeUpdate());
        try (PreparedStatement q = c.prepareStatement("SELECT name FROM items WHERE client = ? AND id = ?")) {
          q.setInt(1, client);
          q.setInt(2, base);
          recordRows("txn-read", q);
        }
        c.commit();
        statements.incrementAndGet();
      }
      // a transaction that rolls back
      try (PreparedStatement ps = c.prepareStatement("UPDATE items SET qty = -1 WHERE client = ? AND id >= ?")) {
        ps.setInt(1, client);
        ps.setInt(2, base);
        record("doomed-update", ps.executeUpdate());
        c.rollback();
        statements.incrementAndGet();
      }
      // an error inside a transaction, then more statements fail until rollback
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO items (client, id, name) VALUES (?, ?, ?)")) {
        ps.setInt(1, client);
        ps.setInt(2, base + 1);
        ps.setString(3, "duplicate");
        try {
          ps.executeUpdate();
          record("dup", "no error");
        } catch (SQLException e) {
          statements.incrementAndGet();
          record("dup", e.getSQLState());
        }
        try (Statement s = c.createStatement()) {
          s.executeQuery("SELECT 1");
          record("after-error", "no error");
        } catch (SQLException e) {
          statements.incrementAndGet();
          record("after-error", e.getSQLState());
        }
        c.rollback();
        statements.incrementAndGet();
      }
      c.setAutoCommit(true);
      try (PreparedStatement ps = c.prepareStatement("SELECT qty, name FROM items WHERE client = ? AND id >= ? ORDER BY id")) {
        ps.setInt(1, client);
        ps.setInt(2, base);
        recordRows("after-rollback", ps);
      }
      // an error outside a transaction; a batch that fails in the middle
      try (Statement s = c.createStatement()) {
        try {
          // ORDER BY: without it the row LIMIT 1 picks depends on the heap's physical order, which
          // differs between the two databases (vacuum timing); a batch2 row (qty NULL, committed in
          // simple mode before the batch failed) would then make 1 / NULL succeed in one of them
          s.executeQuery("SELECT 1 / (qty - qty) FROM items WHERE client = " + client
              + " AND qty IS NOT NULL ORDER BY id LIMIT 1");
          record("div", "no error");
        } catch (SQLException e) {
          statements.incrementAndGet();
          record("div", e.getSQLState());
        }
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO items (client, id, name) VALUES (?, ?, ?)")) {
        for (int k : new int[] {50, 51, 1, 52}) {
          ps.setInt(1, client);
          ps.setInt(2, base + k);
          ps.setString(3, "batch2");
          ps.addBatch();
        }
        try {
          ps.executeBatch();
          record("batch2", "no error");
        } catch (BatchUpdateException e) {
          statements.addAndGet(4);
          record("batch2", e.getSQLState());
        }
      }
      try (Statement s = c.createStatement()) {
        recordRows("final", s, "SELECT id, name, qty FROM items WHERE client = " + client + " AND id >= " + base
            + " ORDER BY id");
      }
    }

    private void bindRow(Connection c, PreparedStatement ps, int id) throws SQLException {
      ps.setInt(1, client);
      ps.setInt(2, id);
      ps.setString(3, "item-" + client + "-" + id + (random.nextBoolean() ? "-ü" : ""));
      ps.setInt(4, random.nextInt(1000));
      ps.setBigDecimal(5, BigDecimal.valueOf(random.nextInt(1_000_000), 2));
      ps.setDouble(6, random.nextDouble());
      ps.setTimestamp(7, new Timestamp(1_700_000_000_000L + random.nextInt(1_000_000) * 1000L));
      byte[] data = new byte[random.nextInt(64)];
      random.nextBytes(data);
      ps.setBytes(8, data);
      Array tags = c.createArrayOf("text", new Object[] {"t" + random.nextInt(5), "u" + random.nextInt(5)});
      ps.setArray(9, tags);
      ps.setBoolean(10, random.nextBoolean());
      if (random.nextInt(4) == 0) {
        ps.setNull(11, java.sql.Types.BIGINT);
      } else {
        ps.setLong(11, random.nextLong());
      }
    }

    private void record(String what, Object value) {
      statements.incrementAndGet();
      transcript.add(what + ":" + value);
    }

    private void recordRows(String what, PreparedStatement ps) throws SQLException {
      try (ResultSet rs = ps.executeQuery()) {
        record(what, rows(rs));
      }
    }

    private void recordRows(String what, Statement s, String sql) throws SQLException {
      try (ResultSet rs = s.executeQuery(sql)) {
        record(what, rows(rs));
      }
    }

    private static String rows(ResultSet rs) throws SQLException {
      ResultSetMetaData md = rs.getMetaData();
      StringBuilder b = new StringBuilder();
      while (rs.next()) {
        b.append('[');
        for (int i = 1; i <= md.getColumnCount(); i++) {
          Object v = rs.getObject(i);
          if (v instanceof byte[] bytes) {
            v = HexFormat.of().formatHex(bytes);
          } else if (v instanceof Array a) {
            v = Arrays.toString((Object[]) a.getArray());
          }
          b.append(md.getColumnName(i)).append('=').append(v).append(';');
        }
        b.append(']');
      }
      return b.toString();
    }
  }
}
