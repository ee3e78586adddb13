package dev.outpost.cluster;

import static dev.outpost.cluster.TestNode.key;
import static dev.outpost.cluster.TestNode.tables;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.Dependencies;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Three nodes of one region in one JVM (SHARED_LOOPBACK), each with its own real cache bound to its
 * cluster bus: fills replicate, invalidations remove everywhere, and every node applies the same
 * events at the same sequence numbers. Tests use distinct keys and tables, so they share one region.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegionReplicationTest {

  private static final Duration DEADLINE = TestRegion.DEADLINE;

  private TestRegion region;

  @BeforeAll
  void startRegion() {
    region = TestRegion.sharedLoopback("repl", 3);
  }

  @AfterAll
  void stopRegion() {
    region.close();
  }

  @Test
  void fillOnNode1_isServedByNodes2And3() {
    CacheKey k = key("SELECT * FROM products WHERE id = 1");
    region.node(1).fill(k, "p1", Dependencies.ofNames("products"));

    await().atMost(DEADLINE).untilAsserted(() -> {
      assertThat(region.node(2).read(k)).contains("p1");
      assertThat(region.node(3).read(k)).contains("p1");
    });
    assertThat(region.node(1).read(k)).contains("p1");
    assertThat(region.node(2).cache.lookup(k).status()).isEqualTo(CacheStatus.HIT);
  }

  @Test
  void snapshot_showsMembersCoordinatorRelayAndCounters() {
    CacheKey k = key("SELECT * FROM snapshot_check");
    region.node(1).fill(k, "snap", Dependencies.ofNames("snapshot_check"));
    await().atMost(DEADLINE).untilAsserted(() -> assertThat(region.node(2).read(k)).contains("snap"));

    ClusterSnapshot s = region.node(2).node.snapshot();
    assertThat(s.region()).isEqualTo(region.region);
    assertThat(s.node()).isEqualTo(region.node(2).name());
    assertThat(s.cluster()).isEqualTo("outpost-" + region.region);
    assertThat(s.members()).containsExactly(region.node(1).name(), region.node(2).name(), region.node(3).name());
    assertThat(s.coordinator()).isEqualTo(region.node(1).name());
    assertThat(s.coordinatorHere()).isFalse();
    assertThat(s.lastSequence()).matches("\\d+:\\d+");
    assertThat(s.relay()).isEqualTo(RelayStatus.DISABLED);
    assertThat(s.stats().fillsReceived()).isPositive();
    assertThat(s.stats().bytesReceived()).isPositive();
    assertThat(region.node(1).node.snapshot().stats().fillsSent()).isPositive();
    assertThat(region.node(1).node.snapshot().stats().eventsSequenced()).isPositive();
  }

  @Test
  void invalidationOnNode3_removesTheEntryOnEveryNode() {
    CacheKey k = key("SELECT * FROM orders");
    region.node(1).fill(k, "o1", Dependencies.ofNames("orders"));
    await().atMost(DEADLINE).untilAsserted(() -> {
      for (TestNode n : region.nodes) {
        assertThat(n.read(k)).as("on %s", n).contains("o1");
      }
    });

    region.node(3).cache.invalidate("db", tables("orders"));
    assertThat(region.node(3).read(k)).as("the writer's node, at once").isEmpty();

    await().atMost(DEADLINE).untilAsserted(() -> {
      for (TestNode n : region.nodes) {
        assertThat(n.read(k)).as("on %s", n).isEmpty();
      }
    });
  }

  @Test
  void everyNode_appliesTheSameEventsAtTheSameSequence() {
    CacheKey k = key("SELECT * FROM sequence_check");
    region.node(2).fill(k, "s", Dependencies.ofNames("sequence_check"));
    region.node(1).cache.invalidate("db", tables("sequence_check"));
    region.node(3).fill(k, "s2", Dependencies.ofNames("sequence_check"));
    region.awaitQuiet();

    long expected = region.node(1).cache.stats().deliveredSequence();
    assertThat(expected).isPositive();
    for (TestNode n : region.nodes) {
      assertThat(n.cache.stats().deliveredSequence()).as("on %s", n).isEqualTo(expected);
      assertThat(n.read(k)).as("on %s", n).isEqualTo(region.node(1).read(k));
    }
  }

  @Test
  void invalidationFuture_completesOnlyOnceTheRegionsSequencerNumberedIt() throws Exception {
    CacheKey k = key("SELECT * FROM feed_ack");
    region.node(1).fill(k, "f", Dependencies.ofNames("feed_ack"));
    await().atMost(DEADLINE).untilAsserted(() -> assertThat(region.node(2).read(k)).contains("f"));
    long before = region.node(1).node.bus().lastStamped();

    CompletableFuture<Void> delivered = region.node(2).cache.invalidate("db", tables("feed_ack"));

    delivered.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(region.node(1).node.bus().lastStamped()).as("the coordinator numbered it").isGreaterThan(before);
    assertThat(region.node(2).node.bus().pendingInvalidations()).isZero();
    await().atMost(DEADLINE).untilAsserted(() -> {
      for (TestNode n : region.nodes) {
        assertThat(n.read(k)).as("on %s", n).isEmpty();
      }
    });
  }
}
