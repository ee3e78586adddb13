package dev.outpost.cluster;

import static dev.outpost.cluster.TestNode.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheKey;
import dev.outpost.cache.Dependencies;
import java.util.Arrays;
import java.util.Random;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What must not travel, or must not be believed: fills over {@code cluster.max-fill-size} stay on
 * their node; malformed, unknown-version and oversized frames are counted and ignored without
 * disturbing the channel; stamped frames from a node that is not the coordinator are not applied.
 */
class FrameSafetyTest {

  private static final long MAX_FILL = 4096;

  private TestRegion region;

  @BeforeEach
  void start() {
    region = new TestRegion("limits", TestStacks.sharedLoopback());
    region.add(region.region + "-1", b -> b.maxFillSize(MAX_FILL));
    region.add(region.region + "-2", b -> b.maxFillSize(MAX_FILL));
    region.awaitFormed(2);
  }

  @AfterEach
  void stop() {
    region.close();
  }

  @Test
  void fillLargerThanMaxFillSize_isStoredOnlyOnItsOwnNode() {
    CacheKey big = key("SELECT * FROM big_report");
    byte[] rows = new byte[(int) MAX_FILL * 2];
    Arrays.fill(rows, (byte) 'x');
    region.node(1).fill(big, rows, Dependencies.ofNames("big_report"));
    CacheKey small = key("SELECT * FROM small_report");
    region.node(1).fill(small, "small", Dependencies.ofNames("small_report"));

    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      assertThat(region.node(1).read(big)).isPresent();
      assertThat(region.node(2).read(small)).contains("small");
    });
    region.awaitQuiet(); // node 2 has received every number the coordinator stamped, the marker's too
    assertThat(region.node(2).read(big)).as("oversized fill replicated").isEmpty();
    assertThat(region.node(1).stats().fillsLocalOnly()).isEqualTo(1);
    assertThat(region.node(1).stats().fillsSent()).isEqualTo(1);
    assertThat(region.node(2).stats().fillsReceived()).isEqualTo(1);
    region.nodes.forEach(TestNode::assertSequencesIncreased);
  }

  @Test
  void malformedUnknownVersionAndOversizedFrames_areCountedAndIgnored() throws Exception {
    TestNode sender = region.node(1);
    Address target = region.node(2).node.channel().getAddress();
    Random random = new Random(7);
    byte[] garbage = new byte[64];
    random.nextBytes(garbage);
    byte[][] bad = {
      {2, Frames.KIND_SEQUENCED, 0, 0, 0, 0, 0, 0, 0, 1}, // a future version
      {Frames.VERSION, 42}, // unknown kind
      {Frames.VERSION, Frames.KIND_SEQUENCED, 0, 0, 0}, // truncated
      new byte[0], // empty
      garbage,
      new byte[(int) MAX_FILL + Frames.HEADER_ALLOWANCE + 1], // over the bound
    };
    long before = region.node(2).stats().framesRejected();
    for (byte[] frame : bad) {
      sender.node.channel().send(new BytesMessage(target, frame));
    }

    await().atMost(TestRegion.DEADLINE).untilAsserted(() ->
        assertThat(region.node(2).stats().framesRejected() - before).isEqualTo(bad.length));

    // The channel and the bus still work.
    CacheKey k = key("SELECT * FROM after_garbage");
    region.node(1).fill(k, "ok", Dependencies.ofNames("after_garbage"));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> assertThat(region.node(2).read(k)).contains("ok"));
  }

  @Test
  void stampedFrameFromANodeThatIsNotCoordinator_isNotApplied() throws Exception {
    TestNode coordinator = region.nodes.stream().filter(n -> n.node.isCoordinator()).findFirst().orElseThrow();
    TestNode other = coordinator == region.node(1) ? region.node(2) : region.node(1);
    CacheKey k = key("SELECT * FROM forged");
    var fill = new CacheEvent.Fill(k, TestNode.result("forged".getBytes(), System.nanoTime(),
        Dependencies.ofNames("forged")), Long.MAX_VALUE / 2, other.name());
    FrameWriter w = Frames.submit(Frames.AUDIENCE_ALL, 0, other.name(), 1, Frames.PAYLOAD_FILL, 256);
    EventCodec.writeFill(w, fill, System.nanoTime());
    // One forged number in the current view's term, one in a term of a view far ahead: the first is
    // out of order at once (wrong sender), the second is held for a view that never comes.
    long viewId = coordinator.node.snapshot().viewId();
    byte[] current = Frames.sequenced(SequenceSpace.sequence(viewId, SequenceSpace.MAX_COUNTER - 1), w.toByteArray());
    byte[] ahead = Frames.sequenced(SequenceSpace.sequence(SequenceSpace.MAX_EPOCH, 1), w.toByteArray());
    long before = coordinator.stats().eventsOutOfOrder();

    other.node.channel().send(new BytesMessage(coordinator.node.channel().getAddress(), current));
    other.node.channel().send(new BytesMessage(coordinator.node.channel().getAddress(), ahead));

    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      assertThat(coordinator.stats().eventsOutOfOrder()).isGreaterThan(before);
      assertThat(coordinator.node.bus().earlyEvents()).isEqualTo(1);
      assertThat(coordinator.node.snapshot().heldEvents()).as("SHOW CLUSTER's held_events").isEqualTo(1);
    });
    assertThat(coordinator.read(k)).isEmpty();
    // Numbering was not pushed ahead by the forged sequence: real events still apply.
    CacheKey real = key("SELECT * FROM real_after_forged");
    other.fill(real, "real", Dependencies.ofNames("real_after_forged"));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> assertThat(coordinator.read(real)).contains("real"));
  }
}
