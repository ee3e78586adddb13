package dev.outpost.cluster;

import static dev.outpost.cluster.TestNode.key;
import static dev.outpost.cluster.TestNode.tables;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.Dependencies;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ConditionTimeoutException;
import org.jgroups.protocols.DISCARD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A network partition (JGroups' DISCARD dropping everything between the sides) and its healing:
 * while apart, each side fills and invalidates on its own; once merged, no node serves an entry
 * filled before an invalidation it missed, because every node flushes at the merge view, and the
 * region's numbering continues above both sides' numbers.
 */
class PartitionMergeTest {

  private static final Duration PARTITION_DEADLINE = Duration.ofSeconds(40);

  private TestRegion region;

  @BeforeEach
  void start() {
    region = TestRegion.sharedLoopback("merge", 3);
  }

  @AfterEach
  void stop() {
    region.close();
  }

  @Test
  void afterMerge_noNodeServesAnEntryFilledBeforeAnInvalidationItMissed() {
    TestNode n1 = region.node(1);
    TestNode n2 = region.node(2);
    TestNode n3 = region.node(3);
    CacheKey orders = key("SELECT * FROM orders");
    n2.fill(orders, "orders-v1", Dependencies.ofNames("orders"));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      for (TestNode n : region.nodes) {
        assertThat(n.read(orders)).as("on %s", n).contains("orders-v1");
      }
    });
    long epochBefore = SequenceSpace.epoch(n1.cache.deliveredSequence());
    Map<String, List<String>> roles = new ConcurrentHashMap<>();
    for (TestNode n : region.nodes) {
      List<String> events = new CopyOnWriteArrayList<>();
      roles.put(n.name(), events);
      n.node.addListener(new ClusterListener() {
        @Override
        public void becameCoordinator() {
          events.add("became");
        }

        @Override
        public void ceasedToBeCoordinator() {
          events.add("ceased");
        }
      });
    }

    partition(List.of(n1), List.of(n2, n3));
    await().atMost(PARTITION_DEADLINE).untilAsserted(() -> {
      assertThat(n1.node.membership().size()).isEqualTo(1);
      assertThat(n2.node.membership().size()).isEqualTo(2);
      assertThat(n3.node.membership().size()).isEqualTo(2);
    });

    // Side {2,3}: a write invalidates orders; side {1} never hears of it and keeps serving v1.
    n3.cache.invalidate("db", tables("orders"));
    CacheKey items = key("SELECT * FROM items");
    n2.fill(items, "items-side-b", Dependencies.ofNames("items"));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      assertThat(n2.read(orders)).isEmpty();
      assertThat(n3.read(items)).contains("items-side-b");
    });
    // Side {1}: fills and invalidates on its own.
    CacheKey users = key("SELECT * FROM users");
    n1.fill(users, "users-side-a", Dependencies.ofNames("users"));
    n1.cache.invalidate("db", tables("items"));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> assertThat(n1.read(users)).contains("users-side-a"));
    assertThat(n1.read(orders)).as("the partitioned node still has the entry it missed an invalidation for")
        .contains("orders-v1");

    heal();
    await().atMost(PARTITION_DEADLINE).untilAsserted(() -> {
      for (TestNode n : region.nodes) {
        assertThat(n.node.membership().size()).as("members seen by %s", n).isEqualTo(3);
      }
    });

    // Each side had a coordinator during the partition; after the merge exactly one is left.
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      for (TestNode n : region.nodes) {
        List<String> events = roles.get(n.name());
        boolean holdsRole = !events.isEmpty() && events.get(events.size() - 1).equals("became");
        assertThat(holdsRole).as("%s holds the coordinator role (%s)", n, events).isEqualTo(n.node.isCoordinator());
      }
    });
    assertThat(region.nodes.stream().filter(n -> n.node.isCoordinator()).count()).isEqualTo(1);

    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      for (TestNode n : region.nodes) {
        assertThat(n.read(orders)).as("stale orders on %s", n).isEmpty();
        assertThat(n.read(items)).as("items on %s", n).isEmpty();
        assertThat(n.read(users)).as("users on %s", n).isEmpty();
      }
    });

    // The merged region works as one again, numbered above both sides: a fill reaches every node.
    // At the new term every member sends its recent invalidations again; wait until they are
    // numbered and applied, so that the fill below does not race them. Still, a fill may be tried
    // again when it was explained away: a node flushed meanwhile (a merge may take more than one
    // view change, and each flushes what was stored before it), or every node dropped it alike (a
    // copy of an invalidation of "orders" was numbered after the fill began). A fill that one node
    // keeps and another drops fails the test: all members apply the same events in the same order.
    region.awaitQuiet();
    CacheKey after = null;
    for (int attempt = 1; after == null; attempt++) {
      CacheKey k = key("SELECT * FROM orders WHERE merged AND attempt = " + attempt);
      Map<TestNode, Long> flushes = new HashMap<>();
      Map<TestNode, Long> dropped = new HashMap<>();
      region.nodes.forEach(n -> flushes.put(n, n.cache.stats().flushes()));
      region.nodes.forEach(n -> dropped.put(n, n.cache.stats().fillsDropped()));
      n1.fill(k, "after-merge", Dependencies.ofNames("orders"));
      try {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          for (TestNode n : region.nodes) {
            assertThat(n.read(k)).as("on %s", n).contains("after-merge");
          }
        });
        after = k;
      } catch (ConditionTimeoutException missing) {
        boolean flushed = region.nodes.stream().anyMatch(n -> n.cache.stats().flushes() > flushes.get(n));
        boolean droppedEverywhere = region.nodes.stream()
            .allMatch(n -> n.cache.stats().fillsDropped() > dropped.get(n) && n.read(k).isEmpty());
        if (!(flushed || droppedEverywhere) || attempt == 3) {
          int tried = attempt;
          region.nodes.forEach(n -> System.out.println("after-merge fill " + tried + " missing; " + n.describe()));
          throw missing;
        }
      }
    }
    region.awaitQuiet();
    for (TestNode n : region.nodes) {
      n.assertSequencesIncreased();
      assertThat(SequenceSpace.epoch(n.cache.deliveredSequence())).as("epoch on %s", n).isGreaterThan(epochBefore);
      assertThat(n.cache.deliveredSequence()).isEqualTo(n1.cache.deliveredSequence());
    }
  }

  @Test
  void coordinatorLeaving_flushesTheSurvivors_andTheyContinueInANewTerm() {
    TestNode n1 = region.node(1);
    TestNode n2 = region.node(2);
    TestNode n3 = region.node(3);
    assertThat(n1.node.isCoordinator()).isTrue();
    CacheKey k = key("SELECT * FROM accounts");
    n3.fill(k, "acc-v1", Dependencies.ofNames("accounts"));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> assertThat(n2.read(k)).contains("acc-v1"));
    long epochBefore = SequenceSpace.epoch(n2.cache.deliveredSequence());

    n1.close();
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      assertThat(n2.node.membership().size()).isEqualTo(2);
      assertThat(n3.node.membership().size()).isEqualTo(2);
      assertThat(n2.read(k)).isEmpty();
      assertThat(n3.read(k)).isEmpty();
    });

    n2.fill(k, "acc-v2", Dependencies.ofNames("accounts"));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> assertThat(n3.read(k)).contains("acc-v2"));
    n3.cache.invalidate("db", tables("accounts"));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> assertThat(n2.read(k)).isEmpty());
    for (TestNode n : List.of(n2, n3)) {
      n.assertSequencesIncreased();
      assertThat(SequenceSpace.epoch(n.cache.deliveredSequence())).isGreaterThan(epochBefore);
    }
  }

  private static void partition(List<TestNode> sideA, List<TestNode> sideB) {
    for (TestNode a : sideA) {
      for (TestNode b : sideB) {
        discard(a).addIgnoreMember(b.node.channel().getAddress());
        discard(b).addIgnoreMember(a.node.channel().getAddress());
      }
    }
  }

  private void heal() {
    for (TestNode n : region.nodes) {
      discard(n).resetIgnoredMembers();
    }
  }

  private static DISCARD discard(TestNode n) {
    return n.node.channel().getProtocolStack().findProtocol(DISCARD.class);
  }
}
