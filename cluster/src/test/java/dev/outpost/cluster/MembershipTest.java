package dev.outpost.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Membership callbacks drive the connection budget (DESIGN §5.6), and the coordinator role moves
 * when the coordinator leaves (the change feed runs exactly one consumer per region on it).
 */
class MembershipTest {

  private TestRegion region;

  @AfterEach
  void stop() {
    if (region != null) {
      region.close();
    }
  }

  /** What a proxy would do: keep its pool's max size at its share of the region budget. */
  private static final class PoolSizer implements ClusterListener {
    final AtomicInteger maxSize = new AtomicInteger();
    final AtomicReference<RegionMembership> last = new AtomicReference<>();

    @Override
    public void membershipChanged(RegionMembership m) {
      last.set(m);
      maxSize.set(m.share(12));
    }
  }

  @Test
  void budgetShare_followsViewChanges_12Over3Is4_thenOneLeavesAnd2Get6() throws Exception {
    region = TestRegion.sharedLoopback("budget", 3);
    List<PoolSizer> sizers = List.of(new PoolSizer(), new PoolSizer(), new PoolSizer());
    for (int i = 0; i < 3; i++) {
      region.nodes.get(i).node.addListener(sizers.get(i));
    }
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      for (PoolSizer s : sizers) {
        assertThat(s.maxSize.get()).isEqualTo(4);
      }
    });

    region.node(3).close();

    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      assertThat(sizers.get(0).maxSize.get()).isEqualTo(6);
      assertThat(sizers.get(1).maxSize.get()).isEqualTo(6);
    });
    assertThat(sizers.get(0).last.get().members()).containsExactly(region.node(1).name(), region.node(2).name());
    assertThat(sizers.get(0).last.get().region()).isEqualTo(region.region);
  }

  @Test
  void coordinatorCallback_movesWhenTheCoordinatorLeaves() throws Exception {
    region = TestRegion.sharedLoopback("coord", 3);
    List<String> events1 = new CopyOnWriteArrayList<>();
    List<String> events2 = new CopyOnWriteArrayList<>();
    region.node(1).node.addListener(recorder(events1));
    region.node(2).node.addListener(recorder(events2));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> assertThat(events1).containsExactly("became"));
    assertThat(region.node(1).node.isCoordinator()).isTrue();
    assertThat(region.node(2).node.isCoordinator()).isFalse();
    assertThat(events2).isEmpty();

    region.node(1).close();

    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> assertThat(events2).containsExactly("became"));
    assertThat(region.node(2).node.isCoordinator()).isTrue();
    assertThat(region.node(3).node.isCoordinator()).isFalse();
    assertThat(region.node(2).node.snapshot().coordinator()).isEqualTo(region.node(2).name());
  }

  private static ClusterListener recorder(List<String> events) {
    return new ClusterListener() {
      @Override
      public void becameCoordinator() {
        events.add("became");
      }

      @Override
      public void ceasedToBeCoordinator() {
        events.add("ceased");
      }
    };
  }
}
