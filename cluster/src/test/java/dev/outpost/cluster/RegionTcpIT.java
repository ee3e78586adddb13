package dev.outpost.cluster;

import static dev.outpost.cluster.TestNode.key;
import static dev.outpost.cluster.TestNode.tables;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.Dependencies;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Three nodes of one region over real TCP on loopback, built from the shipped stack file ({@code
 * src/conf/jgroups/tcp.xml}, selected by name) with addresses from {@link ClusterConfig}: fills
 * replicate, invalidations remove everywhere, and a node that leaves shrinks the membership the
 * connection budget follows. One test stops a node; the tests use distinct keys and look only at
 * the nodes still up, so they pass in either order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegionTcpIT {

  private TestRegion region;
  private final List<TestNode> up = new ArrayList<>();

  @BeforeAll
  void start() {
    region = new TestRegion("tcp", new XmlStackFactory());
    List<HostPort> ports = FreePorts.loopback(3);
    for (int i = 0; i < 3; i++) {
      up.add(region.add(ClusterConfig.builder(region.region, region.region + "-" + (i + 1))
          .bind(ports.get(i)).peers(ports).stack("tcp").build()));
    }
    region.awaitFormed(3);
  }

  @AfterAll
  void stop() {
    region.close();
  }

  @Test
  void fill_replicatesOverTcp_andAnInvalidationRemovesItEverywhere() {
    TestNode writer = up.get(up.size() - 1);
    CacheKey k = key("SELECT * FROM tcp_products");
    up.get(0).fill(k, "over-tcp", Dependencies.ofNames("tcp_products"));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      for (TestNode n : up) {
        assertThat(n.read(k)).as("on %s", n).contains("over-tcp");
      }
    });

    writer.cache.invalidate("db", tables("tcp_products"));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      for (TestNode n : up) {
        assertThat(n.read(k)).as("on %s", n).isEmpty();
      }
    });
    for (TestNode n : up) {
      n.assertSequencesIncreased();
    }
  }

  @Test
  void nodeLeaving_shrinksTheMembershipOfTheOthers_andTheyKeepReplicating() {
    TestNode leaving = up.remove(up.size() - 1);
    leaving.close();
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      for (TestNode n : up) {
        assertThat(n.node.membership().size()).as("members seen by %s", n).isEqualTo(up.size());
        assertThat(n.node.membership().share(12)).isEqualTo(12 / up.size());
      }
    });
    CacheKey k = key("SELECT * FROM tcp_after_leave");
    up.get(up.size() - 1).fill(k, "still", Dependencies.ofNames("tcp_after_leave"));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      for (TestNode n : up) {
        assertThat(n.read(k)).as("on %s", n).contains("still");
      }
    });
  }
}
