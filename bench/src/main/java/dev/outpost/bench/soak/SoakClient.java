package dev.outpost.bench.soak;

import dev.outpost.bench.lab.PgAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One application connection of a soak: a mix of cacheable reads, writes in transactions,
 * read-your-writes checks, inserts, cancelled statements and writes left mid-statement (the socket
 * closed), in one pgjdbc query mode, until told to stop. A lost connection is opened again, as an
 * application's pool would.
 *
 * <p>Freshness checks: each client owns one row ({@code id = OWN_ROW_BASE + client}) that only it
 * updates, in the table {@link SoakLayout#ownTable} names. After a committed update it reads the row
 * back through its node and must see at least the value its UPDATE returned (read-your-writes). A
 * client reading another client's row must see at least the value that client had seen committed
 * {@link SoakLayout#allowedLag} before the read began: at once through the same node (DESIGN §6.5),
 * the propagation bound through another node (§6.6), the change feed's bound for a row written
 * straight to the origin by one of the layout's direct writers (which only do that).
 *
 * <p>With several nodes, client {@code i} works through node {@code i % nodes}.
 */
final class SoakClient implements Runnable {
  static final int SHARED_ROWS = 200;
  static final int OWN_ROW_BASE = 1_000;

  static final String READ = "SELECT id, balance FROM %s WHERE id = ?";
  static final String SHARED_TABLE = "outpost_soak_accounts";
  static final String AGGREGATE = "SELECT count(*), sum(balance) FROM outpost_soak_accounts WHERE id <= " + SHARED_ROWS;
  static final String UPDATE_RETURNING = "UPDATE %s SET balance = balance + 1 WHERE id = ? RETURNING balance";
  static final String UPDATE = "UPDATE outpost_soak_accounts SET balance = balance + 1 WHERE id = ?";
  static final String INSERT = "INSERT INTO outpost_soak_events (client, at) VALUES (?, now())";
  static final String SLOW = "SELECT pg_sleep(0.02), count(*) FROM generate_series(1, 1000)";
  /** An update of the client's own row that runs ~200 ms at the origin; the alias names the client. */
  static final String ABANDONED_UPDATE = "UPDATE %s SET balance = balance + 1 FROM (SELECT pg_sleep(0.2)) AS abandoned_by_%d"
      + " WHERE id = ?";
  /**
   * How long after the origin shows an abandoned write committed its node must serve it: the node
   * invalidates once the origin's answer reaches it, a round trip on loopback; generous beyond that.
   */
  static final Duration ABANDONED_GRACE = Duration.ofMillis(500);

  private static final String[] QUERY_MODES = {"simple", "extended", "extendedForPrepared"};

  private final int id;
  private final String jdbcUrl;
  /** The origin itself, asked what a row holds when a read through the node looked stale. */
  private final PgAddress origin;
  private final Properties login;
  private final SoakTally tally;
  private final CommitHistory history;
  private final SoakLayout layout;
  private final AtomicBoolean stop;
  private final ScheduledExecutorService cancels;
  private final Duration bound;
  private final Random random;
  private volatile long lastProgressNanos = System.nanoTime();
  private Connection connection;
  private boolean connectedBefore;
  /** Operations that failed in a row; reset by one that succeeds. */
  private int failuresInARow;

  SoakClient(int id, String jdbcUrl, String user, String password, PgAddress origin, SoakTally tally,
      CommitHistory history, SoakLayout layout, AtomicBoolean stop, ScheduledExecutorService cancels, Duration bound,
      long seed) {
    this.id = id;
    this.jdbcUrl = jdbcUrl;
    this.origin = origin;
    this.tally = tally;
    this.history = history;
    this.layout = layout;
    this.stop = stop;
    this.cancels = cancels;
    this.bound = bound;
    this.random = new Random(seed * 1_000_003L + id);
    this.login = new Properties();
    login.setProperty("user", user);
    login.setProperty("password", password);
    login.setProperty("preferQueryMode", QUERY_MODES[id % QUERY_MODES.length]);
    login.setProperty("prepareThreshold", id % 2 == 0 ? "1" : "5");
    login.setProperty("ApplicationName", "outpost-soak");
    login.setProperty("connectTimeout", "10");
    login.setProperty("loginTimeout", "10");
    // Longer than the bound: a hang shows as an operation over the bound, then ends.
    login.setProperty("socketTimeout", Long.toString(bound.toSeconds() + 30));
  }

  String queryMode() {
    return login.getProperty("preferQueryMode");
  }

  long lastProgressNanos() {
    return lastProgressNanos;
  }

  @Override
  public void run() {
    try {
      while (!stop.get()) {
        String kind = pick();
        long start = System.nanoTime();
        try {
          perform(kind);
          tally.succeeded(kind, System.nanoTime() - start);
          failuresInARow = 0;
        } catch (SQLException e) {
          tally.failed(id, kind, e, System.nanoTime() - start);
          failuresInARow = Math.min(failuresInARow + 1, 7);
          recover();
        }
        long took = System.nanoTime() - start;
        if (took > bound.toNanos()) {
          tally.hung(id, kind, Duration.ofNanos(took));
        }
        lastProgressNanos = System.nanoTime();
        if (failuresInARow > 0) {
          backOff();
        }
      }
    } finally {
      closeQuietly();
    }
  }

  /**
   * After the faults: one read-your-writes of this client's row through a new connection, as an
   * application that reconnects would do it. Throws while the node does not serve.
   */
  void readYourWriteOnNewConnection() throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl, login)) {
      writeThenReadOwn(c);
    }
  }

  private String pick() {
    if (layout.isDirect(id)) {
      return "write-straight-to-origin";
    }
    int r = random.nextInt(100);
    if (r < 25) {
      return "read";
    } else if (r < 45) {
      return "write-then-read-own";
    } else if (r < 60) {
      return "read-others-row";
    } else if (r < 70) {
      return "write-in-transaction";
    } else if (r < 80) {
      return "aggregate";
    } else if (r < 90) {
      return "insert";
    } else if (r < 97) {
      return "cancelled-statement";
    }
    return "abandoned-write";
  }

  private void perform(String kind) throws SQLException {
    Connection c = connection();
    switch (kind) {
      case "read" -> readBalance(c, SHARED_TABLE, 1 + random.nextInt(SHARED_ROWS));
      case "write-then-read-own" -> writeThenReadOwn(c);
      case "write-straight-to-origin" -> {
        writeThenReadOwn(c);
        pause(); // a writer beside the application, not a flood
      }
      case "read-others-row" -> readOthersRow(c);
      case "write-in-transaction" -> writeInTransaction(c);
      case "aggregate" -> {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(AGGREGATE)) {
          long rows = rs.next() && rs.getMetaData().getColumnCount() == 2 ? rs.getLong(1) : -1;
          if (rows != SHARED_ROWS) {
            tally.wrongAnswer(id, "the aggregate over " + SHARED_ROWS + " rows counted " + rows);
          }
        }
      }
      case "insert" -> {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
          ps.setInt(1, id);
          ps.executeUpdate();
        }
      }
      case "cancelled-statement" -> cancelledStatement(c);
      case "abandoned-write" -> abandonedWrite(c);
      default -> throw new IllegalStateException("no operation " + kind);
    }
  }

  private long readBalance(Connection c, String table, int row) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(String.format(READ, table))) {
      ps.setInt(1, row);
      try (ResultSet rs = ps.executeQuery()) {
        // the answer must be this row's: a result stored under another query's key would not be
        boolean own = rs.next() && rs.getMetaData().getColumnCount() == 2 && rs.getInt(1) == row;
        long balance = own ? rs.getLong(2) : Long.MAX_VALUE; // a wrong answer gets no freshness verdict
        if (!own || rs.next()) {
          tally.wrongAnswer(id, "the read of row " + row + " of " + table + " returned another result");
        }
        return balance;
      }
    }
  }

  private void writeThenReadOwn(Connection c) throws SQLException {
    int row = OWN_ROW_BASE + id;
    long value;
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement(String.format(UPDATE_RETURNING, layout.ownTable(id)))) {
      ps.setInt(1, row);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        value = rs.getLong(1);
      }
    }
    c.commit();
    c.setAutoCommit(true);
    // Only an acknowledged commit counts: when the reply was lost, the outcome is unknown.
    history.acknowledged(id, value, System.nanoTime());
    long seen = readBalance(c, layout.ownTable(id), row);
    tally.freshnessChecked(SoakLayout.Route.SAME_NODE);
    if (seen < value) {
      tally.stale(id, "own row " + row + " (read-your-writes)", seen, value, originHolds(layout.ownTable(id), row));
    }
  }

  private void readOthersRow(Connection c) throws SQLException {
    int other = random.nextInt(layout.clients());
    SoakLayout.Route route = layout.route(id, other);
    Duration lag = layout.allowedLag(route);
    long began = System.nanoTime();
    // what the read must show is fixed before it begins
    long known = history.acknowledgedBy(other, began - lag.toNanos());
    long seen = readBalance(c, layout.ownTable(other), OWN_ROW_BASE + other);
    if (known < 0) {
      return; // the cut-off is older than the history kept: not judged
    }
    tally.freshnessChecked(route);
    if (seen < known) {
      tally.stale(id, "row " + (OWN_ROW_BASE + other) + " of client " + other
          + (route == SoakLayout.Route.SAME_NODE ? "" : " (written " + layout.writesGoTo(other) + ", read through node " + (layout.node(id) + 1)
              + ", committed more than " + lag.toMillis() + " ms before)"),
          seen, known, originHolds(layout.ownTable(other), OWN_ROW_BASE + other));
    }
  }

  /**
   * What the origin itself holds in {@code row} now, in words, to tell a node that served an old
   * result (the origin holds the committed value or more) from a commit the client saw
   * acknowledged that the origin does not have.
   */
  private String originHolds(String table, int row) {
    try (Connection direct = originConnection()) {
      return "the origin holds " + originValue(direct, table, row) + " now";
    } catch (SQLException e) {
      return e.getSQLState() == null ? e.getMessage() : "the origin could not be asked (" + e.getSQLState() + ")";
    }
  }

  private void writeInTransaction(Connection c) throws SQLException {
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement(UPDATE)) {
      ps.setInt(1, 1 + random.nextInt(SHARED_ROWS));
      ps.executeUpdate();
    }
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_sleep(0.005)")) {
      rs.next(); // holds the origin connection for a moment, inside the transaction
    }
    c.commit();
    c.setAutoCommit(true);
  }

  private void cancelledStatement(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      ScheduledFuture<?> cancel = cancels.schedule(() -> {
        try {
          s.cancel();
        } catch (SQLException e) {
          // the statement ended first, or the connection did: nothing to cancel
        }
      }, random.nextInt(40), TimeUnit.MILLISECONDS);
      try (ResultSet rs = s.executeQuery(SLOW)) {
        rs.next();
      } finally {
        cancel.cancel(false);
      }
    }
  }

  /**
   * Leaves in the middle of an update of its own row, the socket closed without a word as a
   * crashed application's would, after reading the row through the node (so its old value is
   * cached there). The backend commits the update all the same; the node must not serve the old
   * value once it has. While the update runs, the client reads the row through the node on a new
   * connection (caching the old value again, as other clients' reads would). It learns from the
   * origin whether and when the update ended, counts a commit as acknowledged
   * {@link #ABANDONED_GRACE} after it saw it (so other clients' reads are held to it too), and then
   * reads its row through the node once more.
   */
  private void abandonedWrite(Connection c) throws SQLException {
    String table = layout.ownTable(id);
    int row = OWN_ROW_BASE + id;
    readBalance(c, table, row);
    readBalance(c, table, row); // the second read fills the cache (the first may look the text up)
    long before;
    try (Connection direct = originConnection()) {
      before = originValue(direct, table, row);
    }
    try (PreparedStatement ps = c.prepareStatement(String.format(ABANDONED_UPDATE, table, id))) {
      ps.setInt(1, row);
      ScheduledFuture<?> leave = cancels.schedule(() -> {
        try {
          c.abort(Runnable::run); // closes the socket at once
        } catch (SQLException e) {
          // already closed
        }
      }, 5 + random.nextInt(30), TimeUnit.MILLISECONDS);
      try {
        ps.executeUpdate();
        leave.cancel(false); // it ended first: an ordinary commit, which the next own write covers
      } catch (SQLException e) {
        // the connection closed under it, as intended (or a fault ended it): the outcome is unknown here
      }
    } catch (SQLException e) {
      // preparing failed on a closed connection: nothing was sent
    }
    closeQuietly(); // aborted or not, this connection is done with
    long committed;
    long seenAt;
    try (Connection direct = originConnection()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      pause(); // what the node forwarded before the client left is at the origin by now
      while (stillRuns(direct, id)) {
        if (System.nanoTime() - deadline > 0) {
          return; // not judged: it did not end while watched
        }
        // reading all along, as other clients would: the old value may be cached again before the commit
        readBalance(connection(), table, row);
      }
      committed = originValue(direct, table, row);
      seenAt = System.nanoTime();
    }
    if (committed <= before) {
      return; // it did not run, or did not commit: nothing to hold the node to
    }
    long dueAt = seenAt + ABANDONED_GRACE.toNanos();
    history.acknowledged(id, committed, dueAt);
    long wait = dueAt - System.nanoTime();
    if (wait > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    long seen = readBalance(connection(), table, row);
    tally.freshnessChecked(SoakLayout.Route.SAME_NODE);
    tally.abandonedWriteCommitted();
    if (seen < committed) {
      tally.stale(id, "own row " + row + " (written by a statement its client left, seen committed at the origin "
          + ABANDONED_GRACE.toMillis() + " ms before)", seen, committed, originHolds(table, row));
    }
  }

  private Connection originConnection() throws SQLException {
    return DriverManager.getConnection(origin.jdbcUrl(), origin.user(), origin.password());
  }

  private static long originValue(Connection direct, String table, int row) throws SQLException {
    try (PreparedStatement ps = direct.prepareStatement(String.format(READ, table))) {
      ps.setInt(1, row);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("the origin has no row " + row + " in " + table);
        }
        return rs.getLong(2);
      }
    }
  }

  /** Whether this client's abandoned update still runs (or waits) at the origin. */
  private static boolean stillRuns(Connection direct, int client) throws SQLException {
    try (PreparedStatement ps = direct.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
        + " AND state <> 'idle' AND query LIKE ?")) {
      ps.setString(1, "%AS abandoned\\_by\\_" + client + " WHERE%");
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1) > 0;
      }
    }
  }

  private void pause() {
    try {
      Thread.sleep(5 + random.nextInt(20));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      if (connectedBefore) {
        tally.reconnected();
      }
      connectedBefore = true;
      connection = DriverManager.getConnection(jdbcUrl, login);
    }
    return connection;
  }

  /**
   * After an error, waits a little before the next operation, as an application's retry would:
   * 5 ms after the first failure, doubling with each failure in a row up to 320 ms. Without it,
   * every client spins on refused connections while a node or the origin is down, and the soak
   * measures its own retry storm instead of the node's recovery. Not counted as an operation.
   */
  private void backOff() {
    try {
      Thread.sleep(5L << (failuresInARow - 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** After an error: roll back what is open, or drop a connection that cannot go on. */
  private void recover() {
    if (connection == null) {
      return;
    }
    try {
      if (!connection.isClosed() && !connection.getAutoCommit()) {
        connection.rollback();
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      closeQuietly();
    }
  }

  private void closeQuietly() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // already gone
      }
      connection = null;
    }
  }
}
