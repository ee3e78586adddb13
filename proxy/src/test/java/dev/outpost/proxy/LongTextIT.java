package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.cache.CacheStatus;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Statement texts of {@link dev.outpost.proxy.session.ClientSession#LONG_TEXT} characters or more
 * are lexed and classified on the node's text-analysis pool, not on the client's event loop:
 * while one client's long text waits for its analysis, another client of the same (only) event
 * loop is served; the long statements themselves run and cache as any other.
 */
class LongTextIT {
  private static final ExecutorService pool = Executors.newCachedThreadPool();
  private static final AtomicInteger analysed = new AtomicInteger();
  /** Holds every analysis until a test opens it; the first test closes it once. */
  private static volatile CountDownLatch gate = new CountDownLatch(0);
  private static TestNode node;
  private static String db;

  @BeforeAll
  static void start() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    db = origin.createDatabase("longtext");
    try (Connection c = origin.superConnection(db)) {
      Sql.exec(c, "CREATE TABLE bulk (id int PRIMARY KEY, v text)", "ALTER TABLE bulk OWNER TO " + TestOrigin.APP_USER);
    }
    OutpostNode.Options options = OutpostNode.Options.defaults().withTextAnalysis(heldBy(analysed, () -> gate));
    node = TestNode.start(origin, db, b -> b.workerThreads(1), options);
  }

  /** Analyses on {@link #pool}, each only once the gate {@code gate} gives at hand-over is open. */
  private static java.util.concurrent.Executor heldBy(AtomicInteger handed, java.util.function.Supplier<CountDownLatch> gate) {
    return task -> {
      handed.incrementAndGet();
      CountDownLatch g = gate.get();
      pool.execute(() -> {
        try {
          g.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        task.run();
      });
    };
  }

  /** Runs {@code sql} on {@code c} in the background and gives its single value. */
  private static CompletableFuture<String> valueLater(Connection c, String sql) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return Sql.value(c, sql);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }, pool);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    pool.shutdownNow();
  }

  /** {@code SELECT count(*) FROM (VALUES (1), (2), …) v(x)} of about {@code chars} characters. */
  private static String longCount(int rows) {
    StringBuilder b = new StringBuilder("SELECT count(*) FROM (VALUES (1)");
    for (int i = 2; i <= rows; i++) {
      b.append(", (").append(i).append(')');
    }
    return b.append(") v(x)").toString();
  }

  @Test
  void aLongTextWaitsForItsAnalysis_whileAnotherClientOfTheLoopIsServed() throws Exception {
    String longRead = longCount(20_000);
    assertThat(longRead.length()).isGreaterThan(64 * 1024);
    int before = analysed.get();
    gate = new CountDownLatch(1);
    try (Connection slow = node.connect(); Connection quick = node.connect()) {
      CompletableFuture<String> result = valueLater(slow, longRead);
      for (int i = 0; i < 500 && analysed.get() == before; i++) {
        Thread.sleep(10);
      }
      assertThat(analysed.get()).as("the long text went to the text-analysis pool").isEqualTo(before + 1);

      assertThat(Sql.value(quick, "SELECT 'served meanwhile'")).isEqualTo("served meanwhile");
      assertThat(result).as("the long text waits for its analysis").isNotDone();

      gate.countDown();
      assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo("20000");
    } finally {
      gate.countDown();
    }
  }

  /**
   * The pool takes long texts only up to its budget of characters: beyond it a client's text waits
   * for room (its neighbours on the loop are still served), and the text of a client that
   * disconnected while it was queued is skipped, not analysed — so clients that send long texts
   * and leave, again and again, cannot pile decoded texts up in the node.
   */
  @Test
  void beyondTheBudget_aLongTextWaitsForRoom_andTheTextOfAClientThatLeftIsSkipped() throws Exception {
    String longRead = longCount(20_000);
    CountDownLatch open = new CountDownLatch(1);
    AtomicInteger handed = new AtomicInteger();
    OutpostNode.Options options = OutpostNode.Options.defaults()
        .withTextAnalysis(heldBy(handed, () -> open))
        .withTextAnalysisBudget(longRead.length() + 1_000); // one such text at a time
    try (TestNode small = TestNode.start(TestOrigin.shared(), db, b -> b.workerThreads(1), options)) {
      dev.outpost.proxy.session.TextAnalysisPool texts = small.node().textAnalysis();
      // a client sends its long text and disconnects while the text is queued
      try (RawClient leaver = new RawClient(small.port())) {
        leaver.login(TestOrigin.APP_USER, TestOrigin.APP_PASSWORD, db);
        leaver.send(RawClient.query(longRead));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> handed.get() == 1);
      }
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
          .until(() -> small.node().sessions().isEmpty());

      try (Connection waiter = small.connect(); Connection quick = small.connect()) {
        CompletableFuture<String> result = valueLater(waiter, longRead);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
            .until(() -> texts.load().waitingClients() == 1);
        assertThat(handed).as("the second text is not handed over beside the first").hasValue(1);
        assertThat(Sql.value(quick, "SELECT 'served meanwhile'")).isEqualTo("served meanwhile");
        assertThat(result).isNotDone();

        open.countDown();
        assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo("20000");
        assertThat(handed).as("the waiting text went once there was room").hasValue(2);
        assertThat(texts.load().skipped()).as("the text of the client that left").isEqualTo(1);
        assertThat(texts.load().waits()).isGreaterThanOrEqualTo(1);
        assertThat(texts.load().chars()).isZero();
        assertThat(small.node().metrics().scrape())
            .contains("outpost_text_analysis_skipped_total 1.0")
            .contains("outpost_text_analysis_waiting_clients 0.0");
      }
    } finally {
      open.countDown();
    }
  }

  /**
   * A text longer than the whole budget is not analysed — its analysis could exhaust the heap —
   * but refused with SQLSTATE 54000, in order and through the origin inside a transaction (which
   * it aborts, as any error would), in simple and extended protocol; the connection goes on.
   */
  @Test
  void aTextLongerThanTheWholeBudget_isRefusedWith54000_andTheSessionGoesOn() throws Exception {
    String tooLong = longCount(20_000);
    String fits = longCount(10_000);
    assertThat(fits.length()).isGreaterThan(64 * 1024).isLessThan(100_000);
    assertThat(tooLong.length()).isGreaterThan(100_000);
    OutpostNode.Options options = OutpostNode.Options.defaults().withTextAnalysisBudget(100_000);
    try (TestNode small = TestNode.start(TestOrigin.shared(), db, b -> b, options)) {
      for (String mode : new String[] {"preferQueryMode=simple", "preferQueryMode=extended"}) {
        try (Connection c = small.connect(mode)) {
          SQLException refused = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
              () -> Sql.value(c, tooLong));
          assertThat(refused.getSQLState()).as(mode).isEqualTo("54000");
          assertThat(refused.getMessage()).contains("longer than this Outpost node analyses", "COPY");
          assertThat(Sql.value(c, fits)).as(mode).isEqualTo("10000");

          c.setAutoCommit(false);
          assertThat(Sql.value(c, "SELECT 'in a transaction'")).isEqualTo("in a transaction");
          assertThat(Sql.sqlstateOf(() -> Sql.value(c, tooLong))).as(mode).isEqualTo("54000");
          assertThat(Sql.sqlstateOf(() -> Sql.value(c, "SELECT 1")))
              .as("the origin's transaction saw the error too").isEqualTo("25P02");
          c.rollback();
          c.setAutoCommit(true);
          assertThat(Sql.value(c, "SELECT 'goes on'")).isEqualTo("goes on");
        }
      }
      assertThat(small.node().textAnalysis().load().chars()).isZero();
    }
  }

  @Test
  void longTexts_runAndCacheAsAnyOther_inEveryProtocolAndInTransactions() throws Exception {
    String longRead = longCount(15_000);
    try (Connection c = node.connect(); Connection prepared = node.connect("prepareThreshold=1")) {
      long hits = node.node().cacheService().cache().stats().count(CacheStatus.HIT);
      for (int i = 0; i < 50 && node.node().cacheService().cache().stats().count(CacheStatus.HIT) == hits; i++) {
        assertThat(Sql.value(c, longRead)).isEqualTo("15000");
      }
      assertThat(node.node().cacheService().cache().stats().count(CacheStatus.HIT)).as("a long read is cached")
          .isGreaterThan(hits);

      StringBuilder insert = new StringBuilder("INSERT INTO bulk VALUES (0, 'row 0')");
      for (int i = 1; i < 5_000; i++) {
        insert.append(", (").append(i).append(", 'row ").append(i).append("')");
      }
      c.setAutoCommit(false);
      Sql.exec(c, insert.toString());
      c.commit();
      c.setAutoCommit(true);
      assertThat(Sql.value(c, "SELECT count(*) FROM bulk")).isEqualTo("5000");

      try (PreparedStatement ps = prepared.prepareStatement(longRead.replace("VALUES (1)", "VALUES (?::int)"))) {
        for (int i = 0; i < 3; i++) {
          ps.setInt(1, 1);
          try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(15_000);
          }
        }
      }
      assertThatThrownBy(() -> Sql.value(c, longRead.replace("FROM (VALUES", "FROM (VALUS")))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42601"));
      assertThat(Sql.value(c, "SELECT 'after the error'")).isEqualTo("after the error");
    }
  }
}
