package dev.outpost.changefeed;

import static dev.outpost.changefeed.FeedHarness.DEADLINE;
import static dev.outpost.changefeed.FeedHarness.app;
import static dev.outpost.changefeed.FeedHarness.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outpost.changefeed.ChangeFeedStatus.State;
import dev.outpost.testkit.TestOrigin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The origin goes away and comes back: the feed reconnects, logs the outage once, and continues. */
class OriginRestartIT {

  private static final TableName ACCOUNTS = new TableName("public", "accounts");

  private TestOrigin origin;
  private ChangeFeed feed;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger feedLog = (Logger) LoggerFactory.getLogger(ChangeFeed.class);

  @BeforeEach
  void prepare() {
    origin = TestOrigin.dedicated();
    logs.start();
    feedLog.addAppender(logs);
  }

  @AfterEach
  void cleanUp() throws Exception {
    feedLog.detachAppender(logs);
    if (feed != null) {
      feed.stop();
    }
    Path data = dataDirectory();
    origin.close();
    // restart() brought the origin back with cleanDataDirectory off, so its data (and the slot) is ours to remove.
    try (Stream<Path> files = Files.walk(data)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private Path dataDirectory() throws Exception {
    try (Connection c = origin.superConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW data_directory")) {
      rs.next();
      return Path.of(rs.getString(1));
    }
  }

  /**
   * Stops the origin keeping its data. TestOrigin.stop() alone does not: zonky's close() deletes
   * the data directory of an instance built with cleanDataDirectory (as TestOrigin.dedicated()
   * builds it) unless {@code ot.epg.no-cleanup} is set, so restart() would bring back an empty
   * cluster. Reported to the testkit's owner; this keeps the workaround local to this test.
   */
  private void stopKeepingData() {
    System.setProperty("ot.epg.no-cleanup", "true");
    try {
      origin.stop();
    } finally {
      System.clearProperty("ot.epg.no-cleanup");
    }
  }

  @Test
  void originRestart_feedReconnectsAndContinues() {
    String db = origin.createDatabase("restart");
    sql(origin, db, "CREATE PUBLICATION outpost FOR ALL TABLES", "CREATE TABLE accounts (id int PRIMARY KEY, v int)");
    RecordingSink sink = new RecordingSink();
    feed = ChangeFeed.builder(app(origin, db), FeedHarness.options("outpost_restart"), sink).build();
    feed.start();
    await().atMost(DEADLINE).until(() -> feed.status().state() == State.STREAMING);
    sql(origin, db, "INSERT INTO accounts VALUES (1, 0)");
    await().atMost(DEADLINE).until(() -> sink.naming(ACCOUNTS).size() == 1);

    stopKeepingData();
    await().atMost(DEADLINE).until(() -> feed.status().state() == State.RECONNECTING);
    // Let several attempts fail against the stopped origin: one warning for the whole outage.
    long errorsAtStop = feed.status().errors();
    await().atMost(DEADLINE).until(() -> feed.status().errors() >= errorsAtStop + 3);
    await().atMost(DEADLINE).until(() -> feed.status().lagBytes() == -1);

    origin = origin.restart();
    await().atMost(DEADLINE).until(() -> feed.status().state() == State.STREAMING);
    sql(origin, db, "UPDATE accounts SET v = 1 WHERE id = 1");
    await().atMost(DEADLINE).until(() -> sink.naming(ACCOUNTS).size() >= 2);
    ChangeEvent after = sink.naming(ACCOUNTS).get(sink.naming(ACCOUNTS).size() - 1);
    assertThat(after.endLsn()).isGreaterThan(sink.naming(ACCOUNTS).get(0).endLsn());
    await().atMost(DEADLINE).until(() -> feed.status().lagBytes() >= 0);

    long warnings = logs.list.stream().filter(e -> e.getLevel() == Level.WARN).count();
    assertThat(warnings).as("one warning per outage, however many retries").isEqualTo(1);
    assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().contains("streaming again after"));
    assertThat(sink.received().stream().filter(r -> r.event().allRelations()).count())
        .as("the slot survived the restart, so no all-relations event is owed").isEqualTo(1);
  }
}
