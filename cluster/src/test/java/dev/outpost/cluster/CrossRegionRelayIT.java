package dev.outpost.cluster;

import static dev.outpost.cluster.TestNode.key;
import static dev.outpost.cluster.TestNode.tables;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheKey;
import dev.outpost.cache.Dependencies;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two regions of two nodes each, every channel on real TCP over loopback from the shipped stack
 * files ({@code tcp} for the regions, {@code relay-tcp} for the bridge that RELAY3 opens between
 * the regions' site masters). An invalidation made in one region removes the entry from every node
 * of the other; it is re-sequenced there and never echoes back. Propagation times are measured on
 * the receiving nodes at the moment their caches apply the invalidation (one JVM, one clock), and
 * logged, not asserted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrossRegionRelayIT {

  private static final Logger LOG = LoggerFactory.getLogger(CrossRegionRelayIT.class);
  private static final int ROUNDS = 20;

  private TestRegion a;
  private TestRegion b;
  /** When each node applied each invalidation, keyed by node name then "origin/id". */
  private final Map<String, Map<String, Long>> appliedAt = new ConcurrentHashMap<>();
  private final List<String> echoes = new CopyOnWriteArrayList<>();
  private final java.util.Set<String> schemaChanges = ConcurrentHashMap.newKeySet();

  @BeforeAll
  void start() {
    List<HostPort> ports = FreePorts.loopback(8);
    List<HostPort> relayPorts = ports.subList(4, 8);
    a = new TestRegion("rel-a", new XmlStackFactory());
    b = new TestRegion("rel-b", new XmlStackFactory());
    startRegion(a, ports.subList(0, 2), relayPorts.subList(0, 2), relayPorts);
    startRegion(b, ports.subList(2, 4), relayPorts.subList(2, 4), relayPorts);
    a.awaitFormed(2);
    b.awaitFormed(2);
    LOG.info("regions {} and {} formed; waiting for the relay", a.region, b.region);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(siteMaster(a).node.snapshot().relay().reachableRegions()).contains(b.region);
      assertThat(siteMaster(b).node.snapshot().relay().reachableRegions()).contains(a.region);
    });
  }

  private void startRegion(TestRegion r, List<HostPort> binds, List<HostPort> relayBinds, List<HostPort> allRelays) {
    for (int i = 0; i < binds.size(); i++) {
      TestNode n = r.add(ClusterConfig.builder(r.region, r.region + "-" + (i + 1))
          .bind(binds.get(i)).peers(binds).relayBind(relayBinds.get(i)).relayPeers(allRelays)
          .stack("tcp").relayStack("relay-tcp").build());
      Map<String, Long> mine = new ConcurrentHashMap<>();
      appliedAt.put(n.name(), mine);
      n.bus.afterApply((seq, event) -> {
        if (event instanceof CacheEvent.Invalidation inv) {
          mine.putIfAbsent(inv.originNode() + "/" + inv.id(), System.nanoTime());
          if (inv.schemaChanged()) {
            schemaChanges.add(n.name() + " " + inv.originNode() + "/" + inv.id());
          }
          if (inv.originNode().endsWith("@" + r.region)) {
            echoes.add(n.name() + " applied its own region's invalidation back from the relay: " + inv);
          }
        }
      });
    }
  }

  @AfterAll
  void stop() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  @Test
  void schemaChangeInRegionB_reachesEveryNodeOfRegionA_asASchemaChange() {
    TestNode writer = b.node(1);
    CacheKey k = key("SELECT * FROM schema_relay");
    fillUntilServedEverywhere(a, k, "schema_relay");
    writer.cache.invalidateSchema("db");
    long id = writer.stats().invalidationsSent();
    await().atMost(TestRegion.DEADLINE).pollInterval(Duration.ofMillis(2)).untilAsserted(() -> {
      for (TestNode n : a.nodes) {
        // the relay rebuilds the invalidation with a qualified origin: the schema change must survive it
        assertThat(schemaChanges).as("on %s", n).contains(n.name() + " " + writer.name() + "@" + b.region + "/" + id);
        assertThat(n.read(k)).as("on %s", n).isEmpty();
      }
    });
    b.awaitQuiet();
  }

  @Test
  void invalidationInRegionB_removesTheEntryFromEveryNodeOfRegionA() {
    List<Long> inRegion = new ArrayList<>();
    List<Long> crossRegion = new ArrayList<>();
    TestNode writer = b.node(2);
    for (int round = 1; round <= ROUNDS; round++) {
      String table = "relay_b_" + round;
      CacheKey k = key("SELECT * FROM " + table);
      fillUntilServedEverywhere(a, k, table);

      long start = System.nanoTime();
      writer.cache.invalidate("db", tables(table));
      long id = writer.stats().invalidationsSent(); // the cache numbers a node's invalidations 1, 2, …
      String relayedId = writer.name() + "@" + b.region + "/" + id;
      String localId = writer.name() + "/" + id;
      await().atMost(TestRegion.DEADLINE).pollInterval(Duration.ofMillis(2)).untilAsserted(() -> {
        for (TestNode n : a.nodes) {
          assertThat(appliedAt.get(n.name())).as("round %s applied on %s", table, n).containsKey(relayedId);
          assertThat(n.read(k)).as("round %s on %s", table, n).isEmpty();
        }
        assertThat(appliedAt.get(b.node(1).name())).containsKey(localId);
      });
      long crossDone = a.nodes.stream().mapToLong(n -> appliedAt.get(n.name()).get(relayedId)).max().orElseThrow();
      inRegion.add(appliedAt.get(b.node(1).name()).get(localId) - start);
      crossRegion.add(crossDone - start);
    }
    LOG.info("invalidation propagation over loopback, {} rounds: within region {} p50 {} µs, max {} µs;"
        + " to every node of region {} p50 {} µs, max {} µs", ROUNDS, b.region, p50(inRegion), max(inRegion),
        a.region, p50(crossRegion), max(crossRegion));
    b.awaitQuiet();
    assertThat(writer.node.bus().pendingInvalidations()).as("the writer's own invalidations all came back").isZero();
    assertThat(echoes).isEmpty();
    for (TestNode n : a.nodes) {
      n.assertSequencesIncreased();
    }
  }

  @Test
  void invalidationInRegionA_reachesRegionB_andDoesNotComeBack() {
    String table = "relay_a_back";
    CacheKey k = key("SELECT * FROM " + table);
    fillUntilServedEverywhere(b, k, table);
    TestNode writer = a.node(1);
    writer.cache.invalidate("db", tables(table));
    await().atMost(TestRegion.DEADLINE).untilAsserted(() -> {
      for (TestNode n : b.nodes) {
        assertThat(n.read(k)).as("on %s", n).isEmpty();
      }
    });
    a.awaitQuiet();
    long relayedIntoB = b.nodes.stream().mapToLong(n -> n.stats().invalidationsRelayedIn()).sum();
    assertThat(relayedIntoB).isPositive();
    assertThat(echoes).isEmpty();
  }

  /** Fills on the region's first node until every node serves it (a relay-up flush may intervene). */
  private static void fillUntilServedEverywhere(TestRegion r, CacheKey k, String table) {
    await().atMost(TestRegion.DEADLINE).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
      if (r.node(1).read(k).isEmpty()) {
        r.node(1).fill(k, "v-" + table, Dependencies.ofNames(table));
      }
      for (TestNode n : r.nodes) {
        assertThat(n.read(k)).as("%s on %s", table, n).isPresent();
      }
    });
  }

  private static TestNode siteMaster(TestRegion r) {
    return r.nodes.stream().filter(n -> n.node.snapshot().relay().siteMaster()).findFirst().orElseThrow();
  }

  private static long p50(List<Long> nanos) {
    List<Long> sorted = nanos.stream().sorted().toList();
    return sorted.get(sorted.size() / 2) / 1000;
  }

  private static long max(List<Long> nanos) {
    return nanos.stream().mapToLong(Long::longValue).max().orElse(0) / 1000;
  }
}
