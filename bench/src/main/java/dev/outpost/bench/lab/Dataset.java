package dev.outpost.bench.lab;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The tables every scenario works on, created in the origin database by the bench itself
 * (prefixed {@code outpost_bench_} so they never collide with an application's tables).
 *
 * <ul>
 *   <li>{@code outpost_bench_kv(id, val, n)}: ids 1..N, the key/value table of point reads and
 *       updates ({@link #READ}, {@link #WRITE});
 *   <li>{@code outpost_bench_fresh(id, v)}: the single row the freshness scenario writes and reads.
 * </ul>
 */
public final class Dataset {
  /** A point read by primary key; the query every read-path scenario runs. */
  public static final String READ = "SELECT val, n FROM outpost_bench_kv WHERE id = ?";
  /** A point update by primary key; the write of the read/write mix. */
  public static final String WRITE = "UPDATE outpost_bench_kv SET n = n + 1 WHERE id = ?";
  /** The floor of any query: a round trip and nothing else. */
  public static final String SELECT_ONE = "SELECT 1";
  public static final String FRESH_READ = "SELECT v FROM outpost_bench_fresh WHERE id = 1";
  public static final String FRESH_WRITE = "UPDATE outpost_bench_fresh SET v = ? WHERE id = 1";
  /** The start of {@link #READ} as {@code pg_stat_statements} stores it, to count reads at the origin. */
  public static final String READ_AS_NORMALIZED = "SELECT val, n FROM outpost_bench_kv WHERE id = $1";

  private final Endpoint origin;
  private long keys;

  Dataset(Endpoint origin) {
    this.origin = origin;
  }

  /** Makes sure ids 1..{@code keys} exist (never shrinks, so scenarios can share the table). */
  public synchronized void ensureKeys(long keys) throws SQLException {
    if (keys <= this.keys) {
      return;
    }
    try (Connection c = origin.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS outpost_bench_kv ("
          + "id integer PRIMARY KEY, val text NOT NULL, n bigint NOT NULL DEFAULT 0)");
      s.execute("CREATE TABLE IF NOT EXISTS outpost_bench_fresh (id integer PRIMARY KEY, v bigint NOT NULL)");
      s.execute("INSERT INTO outpost_bench_fresh VALUES (1, 0) ON CONFLICT (id) DO NOTHING");
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO outpost_bench_kv (id, val) "
          + "SELECT g, md5(g::text) FROM generate_series(1, ?) g ON CONFLICT (id) DO NOTHING")) {
        insert.setLong(1, keys);
        insert.executeUpdate();
      }
      s.execute("ANALYZE outpost_bench_kv");
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM outpost_bench_kv WHERE id BETWEEN 1 AND " + keys)) {
        rs.next();
        if (rs.getLong(1) != keys) {
          throw new SQLException("outpost_bench_kv has " + rs.getLong(1) + " of ids 1.." + keys);
        }
      }
    }
    this.keys = keys;
  }
}
