package dev.outpost.changefeed;

import static dev.outpost.changefeed.FeedHarness.DEADLINE;
import static dev.outpost.changefeed.FeedHarness.app;
import static dev.outpost.changefeed.FeedHarness.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.changefeed.ChangeFeedStatus.State;
import dev.outpost.testkit.TestOrigin;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two consumers of one slot, as when the region's coordinator changes: never both at once. */
class SlotTakeoverIT {

  private static final TableName ORDERS = new TableName("public", "orders");

  private final AtomicInteger sequence = new AtomicInteger();
  private TestOrigin origin;
  private String db;
  private String slot;
  private ChangeFeed first;
  private ChangeFeed second;

  @BeforeEach
  void prepare() {
    origin = TestOrigin.shared();
    db = origin.createDatabase("takeover");
    sql(origin, db, "CREATE PUBLICATION outpost FOR ALL TABLES", "CREATE TABLE orders (id int PRIMARY KEY)");
    slot = FeedHarness.newSlot("takeover");
  }

  @AfterEach
  void cleanUp() {
    for (ChangeFeed f : new ChangeFeed[] {first, second}) {
      if (f != null) {
        f.stop();
      }
    }
    FeedHarness.dropSlot(origin, slot);
  }

  /** A state change with its place in one sequence shared by both feeds and the test. */
  record Step(int at, State state, String reason) {}

  @Test
  void secondConsumer_waitsWhileTheFirstStreams_andTakesOverAfterItStops() {
    RecordingSink firstSink = new RecordingSink();
    RecordingSink secondSink = new RecordingSink();
    List<Step> secondSteps = new CopyOnWriteArrayList<>();
    first = ChangeFeed.builder(app(origin, db), FeedHarness.options(slot), firstSink).build();
    second = ChangeFeed.builder(app(origin, db), FeedHarness.options(slot), secondSink)
        .listener(s -> secondSteps.add(new Step(sequence.incrementAndGet(), s.state(), s.reason()))).build();

    first.start();
    await().atMost(DEADLINE).until(() -> first.status().state() == State.STREAMING);
    second.start();
    await().atMost(DEADLINE).until(() -> second.status().state() == State.RECONNECTING);
    assertThat(second.status().reason()).contains("in use by another consumer");

    sql(origin, db, "INSERT INTO orders VALUES (1)");
    await().atMost(DEADLINE).until(() -> firstSink.first(ORDERS) != null);
    // Several back-off rounds of the second consumer pass while the first keeps the slot.
    await().atMost(DEADLINE).until(() -> second.status().errors() >= 4);
    assertThat(secondSink.first(ORDERS)).isNull();
    assertThat(second.status().state()).isEqualTo(State.RECONNECTING);

    first.stop();
    int stoppedAt = sequence.incrementAndGet();
    sql(origin, db, "INSERT INTO orders VALUES (2)"); // made while no consumer runs
    await().atMost(DEADLINE).until(() -> second.status().state() == State.STREAMING);
    await().atMost(DEADLINE).until(() -> secondSink.first(ORDERS) != null);

    Step streaming = secondSteps.stream().filter(s -> s.state() == State.STREAMING).findFirst().orElseThrow();
    assertThat(streaming.at()).as("the second consumer streamed only after the first stopped").isGreaterThan(stoppedAt);
    assertThat(secondSink.tableEvents()).as("the commit made between the two consumers is delivered").hasSize(1);
    assertThat(secondSink.received()).noneMatch(r -> r.event().allRelations()); // the slot already existed
  }

  @Test
  void slotBusy_isRetriedWithCappedBackoff_notAFailure() {
    RecordingSink sink = new RecordingSink();
    first = ChangeFeed.builder(app(origin, db), FeedHarness.options(slot), sink).build();
    first.start();
    await().atMost(DEADLINE).until(() -> first.status().state() == State.STREAMING);
    second = ChangeFeed.builder(app(origin, db), FeedHarness.options(slot)
        .withReconnect(Duration.ofMillis(50), Duration.ofMillis(200)), new RecordingSink()).build();
    second.start();
    await().atMost(DEADLINE).until(() -> second.status().errors() >= 10);
    assertThat(second.status().state()).isEqualTo(State.RECONNECTING);
    assertThat(second.status().running()).isTrue();
  }
}
