package dev.outpost.changefeed;

import static dev.outpost.changefeed.FeedHarness.DEADLINE;
import static dev.outpost.changefeed.FeedHarness.app;
import static dev.outpost.changefeed.FeedHarness.slotConfirmed;
import static dev.outpost.changefeed.FeedHarness.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.changefeed.ChangeFeedStatus.State;
import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The feed against the shared embedded origin (wal_level = logical), consuming as {@code outpost_app}. */
class ChangeFeedIT {
  private static final Logger log = LoggerFactory.getLogger(ChangeFeedIT.class);

  private static final TableName ITEMS = new TableName("public", "items");
  private static final TableName AUDIT = new TableName("public", "Audit Log");

  private static TestOrigin origin;
  private static String db;

  private final List<ChangeFeed> feeds = new ArrayList<>();
  private final List<String> slots = new ArrayList<>();

  @BeforeAll
  static void prepare() {
    origin = TestOrigin.shared();
    db = origin.createDatabase("change_feed");
    sql(origin, db,
        "CREATE PUBLICATION outpost FOR ALL TABLES",
        "CREATE TABLE items (id int PRIMARY KEY, v int)",
        "INSERT INTO items SELECT g, 0 FROM generate_series(1, 10) g",
        "CREATE TABLE \"Audit Log\" (id bigserial PRIMARY KEY, item int, note text)",
        "CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            + " INSERT INTO \"Audit Log\" (item, note) VALUES (NEW.id, 'changed'); RETURN NEW; END $$",
        "CREATE TRIGGER items_audit AFTER UPDATE ON items FOR EACH ROW EXECUTE FUNCTION audit()",
        "CREATE TABLE plain (id serial PRIMARY KEY, v int)",
        "CREATE TABLE held (id int PRIMARY KEY, v int)",
        "CREATE TABLE other (id int PRIMARY KEY, v int)",
        "CREATE TABLE ghost (id int PRIMARY KEY)",
        "CREATE TABLE marker (id int PRIMARY KEY)",
        "CREATE TABLE t1 (id int PRIMARY KEY)",
        "CREATE TABLE t2 (id int PRIMARY KEY, t1 int REFERENCES t1)",
        "CREATE TABLE events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)",
        "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");
  }

  @AfterEach
  void cleanUp() {
    feeds.forEach(ChangeFeed::stop);
    slots.forEach(s -> FeedHarness.dropSlot(origin, s));
  }

  private ChangeFeed feed(String slot, RecordingSink sink, ChangeFeed.Listener listener) {
    if (!slots.contains(slot)) {
      slots.add(slot);
    }
    ChangeFeed f = ChangeFeed.builder(app(origin, db), FeedHarness.options(slot), sink).listener(listener).build();
    feeds.add(f);
    return f;
  }

  private ChangeFeed streaming(RecordingSink sink) {
    ChangeFeed f = feed(FeedHarness.newSlot("cf"), sink, s -> { });
    f.start();
    awaitState(f, State.STREAMING);
    return f;
  }

  private static void awaitState(ChangeFeed f, State state) {
    await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> f.status().state() == state);
  }

  private static void write(String... statements) {
    sql(origin, db, statements);
  }

  @Test
  void updateOnOrigin_producesOneEventNamingTheTable_andLogsTheLatency() throws SQLException {
    RecordingSink sink = new RecordingSink();
    ChangeFeed f = streaming(sink);
    TableName plain = new TableName("public", "plain");
    // The origin's default is synchronous_commit = on; the test origin turns it off for speed, which
    // delays logical decoding (it reads flushed WAL only) by up to wal_writer_delay. Measure both.
    for (String mode : new String[] {"on", "off"}) {
      List<Long> micros = new ArrayList<>();
      try (Connection c = origin.superConnection(db); Statement s = c.createStatement()) {
        s.execute("SET synchronous_commit = " + mode);
        for (int i = 1; i <= 20; i++) {
          int before = sink.naming(plain).size();
          s.execute("UPDATE plain SET v = 0 WHERE id = -1"); // matches no row: a transaction with nothing to send
          s.execute("INSERT INTO plain VALUES (DEFAULT, 0)");
          long committed = System.nanoTime();
          await().atMost(DEADLINE).pollInterval(Duration.ofMillis(1)).until(() -> sink.naming(plain).size() > before);
          RecordingSink.Received r = sink.received().get(sink.received().size() - 1);
          micros.add(Math.max(0, (r.nanos() - committed) / 1000));
        }
      }
      Collections.sort(micros);
      log.info("origin commit → event with synchronous_commit = {}: median {} µs, min {} µs, max {} µs over {} commits"
          + " (one feed, loopback, 2 shared cores)", mode, micros.get(micros.size() / 2), micros.get(0),
          micros.get(micros.size() - 1), micros.size());
    }
    assertThat(sink.naming(plain)).as("one event per insert, none for the empty updates").hasSize(40);

    ChangeEvent e = sink.naming(new TableName("public", "plain")).get(0);
    assertThat(e.database()).isEqualTo(db);
    assertThat(e.relations()).containsExactly(new TableName("public", "plain"));
    assertThat(e.allRelations()).isFalse();
    assertThat(e.endLsn()).isGreaterThan(e.commitLsn());
    assertThat(e.xid()).isPositive();
    await().atMost(DEADLINE).until(() -> f.status().eventsDelivered() == 41 && f.status().lagBytes() >= 0);
    ChangeFeedStatus s = f.status();
    assertThat(s.relationsInvalidated()).isEqualTo(40);
    assertThat(s.confirmedLsn()).isGreaterThanOrEqualTo(e.endLsn());
    assertThat(s.lastCommitTime()).isNotNull();
    log.info("status after the run: {}", s);
  }

  @Test
  void newSlot_firstDeliversAnAllRelationsEvent() {
    RecordingSink sink = new RecordingSink();
    streaming(sink);
    await().atMost(DEADLINE).until(() -> !sink.received().isEmpty());
    ChangeEvent first = sink.received().get(0).event();
    assertThat(first.allRelations()).isTrue();
    assertThat(first.relations()).isEmpty();
    assertThat(first.database()).isEqualTo(db);
  }

  @Test
  void triggerOnAWritingB_yieldsOneEventWithBoth() {
    RecordingSink sink = new RecordingSink();
    streaming(sink);
    write("UPDATE items SET v = v + 1 WHERE id = 3");
    await().atMost(DEADLINE).until(() -> sink.first(AUDIT) != null);
    assertThat(sink.first(AUDIT).event().relations()).containsExactlyInAnyOrder(ITEMS, AUDIT);
  }

  @Test
  void truncateOfSeveralTables_yieldsOneEventNamingThem() {
    RecordingSink sink = new RecordingSink();
    streaming(sink);
    write("INSERT INTO t1 VALUES (1)", "INSERT INTO t2 VALUES (1, 1)");
    write("TRUNCATE t1, t2");
    TableName t1 = new TableName("public", "t1");
    TableName t2 = new TableName("public", "t2");
    await().atMost(DEADLINE).until(() -> sink.naming(t1).size() == 2);
    // INSERT t1 and INSERT t2 were separate transactions; the TRUNCATE is the one naming both.
    assertThat(sink.naming(t1).get(1).relations()).containsExactlyInAnyOrder(t1, t2);
  }

  @Test
  void rolledBackTransaction_yieldsNothing() throws SQLException {
    RecordingSink sink = new RecordingSink();
    streaming(sink);
    try (Connection c = origin.superConnection(db); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("INSERT INTO ghost VALUES (1)");
      c.rollback();
    }
    write("INSERT INTO marker VALUES (1)");
    // Events arrive in commit order, so once the later commit is in, the rolled back one never will be.
    await().atMost(DEADLINE).until(() -> sink.first(new TableName("public", "marker")) != null);
    assertThat(sink.naming(new TableName("public", "ghost"))).isEmpty();
    assertThat(sink.tableEvents()).hasSize(1);
  }

  @Test
  void writeToPartition_namesThePartitionAndItsParent() {
    RecordingSink sink = new RecordingSink();
    streaming(sink);
    write("INSERT INTO events VALUES (1, '2025-06-01')");
    TableName leaf = new TableName("public", "events_2025");
    await().atMost(DEADLINE).until(() -> sink.first(leaf) != null);
    assertThat(sink.first(leaf).event().relations()).containsExactly(leaf, new TableName("public", "events"));
  }

  @Test
  void confirmedPosition_waitsForTheSinksFuture_inCommitOrder() throws Exception {
    RecordingSink sink = new RecordingSink();
    TableName held = new TableName("public", "held");
    TableName other = new TableName("public", "other");
    sink.hold(e -> e.relations().contains(held));
    String slot = FeedHarness.newSlot("cf_hold");
    ChangeFeed f = feed(slot, sink, s -> { });
    f.start();
    awaitState(f, State.STREAMING);

    write("INSERT INTO held VALUES (1, 1)");
    await().atMost(DEADLINE).until(() -> sink.first(held) != null);
    Lsn heldEnd = sink.first(held).event().endLsn();
    write("INSERT INTO other VALUES (1, 1)"); // delivered at once, but behind the held one
    await().atMost(DEADLINE).until(() -> sink.first(other) != null);
    Lsn otherEnd = sink.first(other).event().endLsn();

    // Watch across several status intervals: neither the origin nor the feed may pass the held commit.
    for (int i = 0; i < 15; i++) {
      assertThat(slotConfirmed(origin, slot)).as("confirmed_flush_lsn while held").isLessThan(heldEnd);
      assertThat(f.status().confirmedLsn()).isLessThan(heldEnd);
      assertThat(f.status().lagSeconds()).isGreaterThanOrEqualTo(0);
      Thread.sleep(100);
    }
    assertThat(f.status().eventsDelivered()).as("only the all-relations event is confirmed").isEqualTo(1);

    sink.held().forEach(h -> h.complete(null));
    await().atMost(DEADLINE).until(() -> slotConfirmed(origin, slot).compareTo(otherEnd) >= 0);
    assertThat(f.status().eventsDelivered()).isEqualTo(3);
    await().atMost(DEADLINE).until(() -> f.status().lagSeconds() == 0);
  }

  @Test
  void failedDelivery_replaysTheEvent() {
    RecordingSink sink = new RecordingSink();
    TableName held = new TableName("public", "held");
    sink.hold(e -> e.relations().contains(held));
    ChangeFeed f = streaming(sink);
    write("INSERT INTO held VALUES (100, 0) ON CONFLICT (id) DO UPDATE SET v = held.v + 1"); // one commit
    await().atMost(DEADLINE).until(() -> sink.held().size() == 1);
    sink.hold(e -> false);
    sink.held().get(0).completeExceptionally(new IllegalStateException("bus unavailable"));
    // The feed reconnects and the same commit is handed over again.
    await().atMost(DEADLINE).until(() -> sink.naming(held).size() == 2);
    assertThat(sink.naming(held).get(1).endLsn()).isEqualTo(sink.naming(held).get(0).endLsn());
    awaitState(f, State.STREAMING);
    assertThat(f.status().errors()).isPositive();
  }

  @Test
  void stopThenStart_resumesWithTheCommitMadeWhileStopped() {
    RecordingSink sink = new RecordingSink();
    ChangeFeed f = streaming(sink);
    write("UPDATE other SET v = 10 WHERE id = 1", "INSERT INTO other VALUES (5, 5) ON CONFLICT DO NOTHING");
    TableName other = new TableName("public", "other");
    await().atMost(DEADLINE).until(() -> !sink.naming(other).isEmpty());
    int before = sink.naming(other).size();
    Lsn lastEnd = sink.naming(other).get(before - 1).endLsn();
    f.stop();
    assertThat(f.status().state()).isEqualTo(State.STOPPED);
    assertThat(slotConfirmed(origin, feeds.get(0).slotName())).as("the final status update reached the origin")
        .isGreaterThanOrEqualTo(lastEnd);

    write("INSERT INTO other VALUES (6, 6)");
    f.start();
    await().atMost(DEADLINE).until(() -> sink.naming(other).size() > before);
    ChangeEvent resumed = sink.naming(other).get(sink.naming(other).size() - 1);
    assertThat(resumed.endLsn()).isGreaterThan(lastEnd);
    assertThat(sink.received().stream().filter(r -> r.event().allRelations()).count())
        .as("an existing slot owes no all-relations event").isEqualTo(1);
  }

  @Test
  void dropSlot_removesTheSlot_andRefusesWhileAnotherConsumerHoldsIt() {
    RecordingSink sink = new RecordingSink();
    ChangeFeed f = streaming(sink);
    String slot = f.slotName();
    assertThat(FeedHarness.slotExists(origin, slot)).isTrue();
    assertThatThrownBy(() -> ChangeFeed.dropSlot(app(origin, db), slot))
        .isInstanceOf(ChangeFeedException.class).hasMessageContaining("in use by process");

    assertThat(f.dropSlot()).isTrue();
    assertThat(FeedHarness.slotExists(origin, slot)).isFalse();
    assertThat(f.status().state()).isEqualTo(State.STOPPED);
    assertThat(ChangeFeed.dropSlot(app(origin, db), slot)).as("nothing left to drop").isFalse();
  }
}
