package dev.outpost.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/** Several {@link TestNode}s of one region, started one after the other, closed together. */
final class TestRegion implements AutoCloseable {

  static final Duration DEADLINE = Duration.ofSeconds(30);

  final String region;
  final List<TestNode> nodes = new ArrayList<>();
  private final StackFactory stacks;

  TestRegion(String regionPrefix, StackFactory stacks) {
    // SHARED_LOOPBACK routes by cluster name: a unique region keeps tests of one JVM apart.
    this.region = regionPrefix + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
    this.stacks = stacks;
  }

  /** Starts {@code n} nodes {@code <region>-1..n} on SHARED_LOOPBACK and waits until all see each other. */
  static TestRegion sharedLoopback(String prefix, int n) {
    TestRegion r = new TestRegion(prefix, TestStacks.sharedLoopback());
    try {
      for (int i = 1; i <= n; i++) {
        r.add(ClusterConfig.builder(r.region, r.region + "-" + i).build());
      }
      r.awaitFormed(n);
    } catch (RuntimeException | Error e) {
      r.close();
      throw e;
    }
    return r;
  }

  TestNode add(ClusterConfig config) {
    TestNode node = TestNode.start(config, stacks);
    nodes.add(node);
    return node;
  }

  TestNode add(String nodeName, UnaryOperator<ClusterConfig.Builder> settings) {
    return add(settings.apply(ClusterConfig.builder(region, nodeName)).build());
  }

  TestNode node(int oneBased) {
    return nodes.get(oneBased - 1);
  }

  /** Waits until every node sees {@code n} members. */
  void awaitFormed(int n) {
    await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
      for (TestNode node : nodes) {
        assertThat(node.node.membership().size()).as("members seen by %s", node).isEqualTo(n);
      }
    });
  }

  /** Waits until every node has applied everything its coordinator stamped and sent all it queued. */
  void awaitQuiet() {
    await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
      for (TestNode node : nodes) {
        assertThat(node.node.bus().queued()).as("%s outbox", node).isZero();
        ClusterSnapshot s = node.node.snapshot();
        assertThat(s.pendingInvalidations()).as("%s pending invalidations", node).isZero();
        // at rest every node has installed the same view, and every invalidation of an earlier term
        // has had its copy applied in this one (lost copies are sent again by housekeeping)
        assertThat(s.heldEvents()).as("%s held events", node).isZero();
        assertThat(s.awaitedInvalidations()).as("%s awaited invalidations", node).isZero();
      }
      long stamped = nodes.stream().mapToLong(t -> t.node.bus().lastStamped()).max().orElse(0);
      for (TestNode node : nodes) {
        assertThat(node.node.bus().lastSequence()).as("%s applied up to the coordinator's last", node)
            .isEqualTo(stamped);
      }
    });
  }

  /**
   * Closes the nodes in reverse start order, so the coordinator (the first started) leaves last and
   * no site master hands over to a node that is about to leave as well.
   */
  @Override
  public void close() {
    List<TestNode> reversed = new ArrayList<>(nodes);
    java.util.Collections.reverse(reversed);
    for (TestNode n : reversed) {
      try {
        n.close();
      } catch (RuntimeException e) {
        // keep closing the others
      }
    }
  }
}
