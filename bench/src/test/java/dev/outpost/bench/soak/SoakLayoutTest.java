package dev.outpost.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.bench.soak.SoakLayout.Route;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SoakLayoutTest {
  // three nodes, clients 0..5 through them (client i through node i % 3), clients 6 and 7 straight to the origin
  private final SoakLayout layout = new SoakLayout(3, 6, 2, Duration.ofSeconds(1), Duration.ofSeconds(10));

  @Test
  void howAWriteReachesTheReader_decidesHowStaleItsReadMayBe() {
    assertThat(layout.route(0, 3)).isEqualTo(Route.SAME_NODE);
    assertThat(layout.route(0, 1)).isEqualTo(Route.OTHER_NODE);
    assertThat(layout.route(0, 6)).isEqualTo(Route.STRAIGHT_TO_ORIGIN);
    assertThat(layout.allowedLag(Route.SAME_NODE)).isZero();
    assertThat(layout.allowedLag(Route.OTHER_NODE)).isEqualTo(Duration.ofSeconds(1));
    assertThat(layout.allowedLag(Route.STRAIGHT_TO_ORIGIN)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void eachNodesClientsWriteATableOfTheirOwn_andDirectWritersAnother() {
    assertThat(layout.ownTable(0)).isEqualTo(layout.ownTable(3)).isEqualTo("outpost_soak_own_1");
    assertThat(layout.ownTable(2)).isEqualTo("outpost_soak_own_3");
    assertThat(layout.ownTable(7)).isEqualTo(SoakLayout.DIRECT_TABLE);
    assertThat(layout.clients()).isEqualTo(8);
    assertThat(layout.writesGoTo(1)).isEqualTo("through node 2");
    assertThat(layout.writesGoTo(6)).isEqualTo("straight to the origin");
  }
}
