package dev.outpost.cache.store;

import static dev.outpost.cache.store.Fixtures.key;
import static dev.outpost.cache.store.Fixtures.lead;
import static dev.outpost.cache.store.Fixtures.marker;
import static dev.outpost.cache.store.Fixtures.result;
import static dev.outpost.cache.store.Fixtures.tables;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.FillTicket;
import dev.outpost.cache.QueryCache;
import org.junit.jupiter.api.Test;

/**
 * The consistency rule of DESIGN §6.6 across two nodes sharing a total-order bus whose deliveries
 * the test controls: both nodes make the same decision for every fill, and a node's own
 * invalidation takes effect locally before the bus delivers it.
 */
class ClusterConsistencyTest {

  private final ManualTicker ticker = new ManualTicker();
  private final SequencedTestBus bus = new SequencedTestBus();
  private final QueryCache a = node("a");
  private final QueryCache b = node("b");
  private final CacheKey orders = key("SELECT * FROM orders");

  private QueryCache node(String id) {
    return QueryCacheBuilder.newBuilder().nodeId(id).ticker(ticker).executor(Runnable::run)
        .bus(bus.member()).build();
  }

  @Test
  void fill_isStoredOnlyAtDelivery_andReplicatedToEveryNode() {
    FillTicket.Leader leader = lead(b, orders);
    leader.complete(result("rows", leader.startedAtNanos(), Dependencies.ofNames("orders")));
    assertThat(b.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    bus.deliverAll();
    assertThat(a.lookup(orders).status()).isEqualTo(CacheStatus.HIT);
    assertThat(b.lookup(orders).status()).isEqualTo(CacheStatus.HIT);
  }

  @Test
  void schemaChange_isHeardOnceOnEveryNode_theOriginAtOnce_othersAtDelivery_andDataInvalidationsAreNot() {
    java.util.List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.List<CacheStatus> whenHeard = new java.util.concurrent.CopyOnWriteArrayList<>();
    QueryCache[] cd = new QueryCache[2];
    QueryCache c = QueryCacheBuilder.newBuilder().nodeId("c").ticker(ticker).executor(Runnable::run)
        .schemaListener(db -> {
          heard.add("c:" + db);
          whenHeard.add(cd[0].lookup(orders).status());
        }).bus(bus.member()).build();
    QueryCache d = QueryCacheBuilder.newBuilder().nodeId("d").ticker(ticker).executor(Runnable::run)
        .schemaListener(db -> {
          heard.add("d:" + db);
          whenHeard.add(cd[1].lookup(orders).status());
        }).bus(bus.member()).build();
    cd[0] = c;
    cd[1] = d;
    fillEverywhere("v1");
    c.invalidateSchema("db");
    assertThat(heard).as("the publishing node, before delivery").containsExactly("c:db");
    assertThat(a.lookup(orders).status()).isEqualTo(CacheStatus.HIT); // not yet delivered there
    bus.deliverAll();
    assertThat(heard).as("every other node at delivery, the publisher not twice").containsExactly("c:db", "d:db");
    assertThat(whenHeard).as("heard before the entries became unreadable: no read could miss and plan with old facts")
        .containsExactly(CacheStatus.HIT, CacheStatus.HIT);
    assertThat(a.lookup(orders).status()).as("a schema change invalidates everything").isEqualTo(CacheStatus.MISS);
    assertThat(c.lookup(orders).status()).isEqualTo(CacheStatus.MISS);

    heard.clear();
    d.invalidateAll("db");
    c.invalidate("db", tables("orders"));
    bus.deliverAll();
    assertThat(heard).as("data invalidations leave catalog facts alone").isEmpty();
  }

  /**
   * A node whose cache is off shares the bus: it keeps none of the region's fills, and the
   * invalidations it publishes reach the nodes that cache.
   */
  @Test
  void nodeThatDoesNotStore_keepsNoFill_butItsInvalidationsReachTheOthers() {
    QueryCache off = QueryCacheBuilder.newBuilder().nodeId("off").ticker(ticker).executor(Runnable::run)
        .storing(false).bus(bus.member()).build();
    fillEverywhere("v1");
    assertThat(off.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    assertThat(off.stats().entries()).isZero();
    assertThat(off.stats().fillsStored()).isZero();

    off.invalidate("db", tables("orders"));
    bus.deliverAll();
    assertThat(a.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    assertThat(b.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    assertThat(off.stats().invalidations()).as("its own, delivered to it too").isEqualTo(1);
  }

  @Test
  void ownInvalidation_removesEntriesBeforeTheBusDeliversIt() {
    fillEverywhere("v1");
    a.invalidate("db", tables("orders"));
    assertThat(bus.queued()).isEqualTo(1);
    assertThat(a.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    assertThat(b.lookup(orders).status()).isEqualTo(CacheStatus.HIT); // not yet delivered there
    bus.deliverAll();
    assertThat(b.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    assertThat(((DefaultQueryCache) a).pendingInvalidations()).isZero();
  }

  @Test
  void invalidationFuture_completesWhenTheBusDeliversIt_notWhenItIsAppliedLocally() {
    fillEverywhere("v1");
    var delivered = a.invalidate("db", tables("orders"));
    var everything = a.invalidateAll("db");
    assertThat(a.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    assertThat(delivered).isNotDone();

    bus.deliverNext();
    assertThat(delivered).isCompleted();
    assertThat(everything).isNotDone();
    bus.deliverNext();
    assertThat(everything).isCompleted();
    assertThat(a.invalidate("db", java.util.List.of())).as("nothing to invalidate").isCompleted();
  }

  @Test
  void staleFillSequencedBeforeOwnInvalidation_isNeverServedToTheWriterNode() {
    FillTicket.Leader leader = lead(b, orders); // b reads orders before a's write commits
    leader.complete(result("before-write", leader.startedAtNanos(), Dependencies.ofNames("orders")));
    a.invalidate("db", tables("orders")); // a's write committed; its invalidation is queued after b's fill

    bus.deliverNext(); // b's fill
    assertThat(a.lookup(orders).status()).as("writer node, invalidation pending").isEqualTo(CacheStatus.MISS);
    assertThat(b.lookup(orders).status()).as("other node may still serve it").isEqualTo(CacheStatus.HIT);

    bus.deliverNext(); // a's invalidation
    assertThat(a.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    assertThat(b.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
  }

  /**
   * Nodes apply a flush (a merge, a new coordinator) at different moments. Node b flushed first and
   * read orders before a's write committed; a then flushed too, its invalidation still on its way.
   * b's fill began after the flush, so the floor admits it, and only a's pending invalidation can
   * keep it from a's readers — the flush must not forget it.
   */
  @Test
  void flushWhileOwnInvalidationIsPending_stillKeepsOtherNodesOlderFillsFromTheWriterNode() {
    a.invalidate("db", tables("orders")); // a's write committed; the invalidation is not delivered yet
    a.deliver(10, new CacheEvent.Flush("a"));
    FillTicket.Leader other = lead(b, orders); // stands for b's query, sent before a's write committed
    a.deliver(11, new CacheEvent.Fill(orders, result("before-write", other.startedAtNanos(),
        Dependencies.ofNames("orders")), 10, "b"));
    other.abandon();

    assertThat(a.lookup(orders).status()).as("the writer's node never serves what its write changed")
        .isEqualTo(CacheStatus.MISS);
    assertThat(((DefaultQueryCache) a).pendingInvalidations()).isEqualTo(1);

    // a's invalidation (its first, id 1) comes back: the sequence rule covers it from now on
    a.deliver(12, new CacheEvent.Invalidation("db", java.util.Set.of("orders"), false, "a", 1));
    assertThat(((DefaultQueryCache) a).pendingInvalidations()).isZero();
    FillTicket.Leader later = lead(b, orders);
    a.deliver(13, new CacheEvent.Fill(orders, result("after-write", later.startedAtNanos(),
        Dependencies.ofNames("orders")), 12, "b"));
    later.abandon();
    assertThat(marker(a.lookup(orders).result().orElseThrow())).isEqualTo("after-write");
  }

  @Test
  void fillStartedBeforeDeliveredInvalidation_isDroppedOnEveryNode() {
    FillTicket.Leader leader = lead(b, orders);
    a.invalidate("db", tables("orders"));
    bus.deliverAll();
    leader.complete(result("stale", leader.startedAtNanos(), Dependencies.ofNames("orders")));
    bus.deliverAll();
    assertThat(a.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    assertThat(b.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    assertThat(a.stats().fillsDropped()).isEqualTo(1);
    assertThat(b.stats().fillsDropped()).isEqualTo(1);
  }

  @Test
  void fillStartedAfterDeliveredInvalidation_isKeptOnEveryNode() {
    a.invalidate("db", tables("orders"));
    bus.deliverAll();
    FillTicket.Leader leader = lead(b, orders);
    leader.complete(result("fresh", leader.startedAtNanos(), Dependencies.ofNames("orders")));
    bus.deliverAll();
    assertThat(marker(a.lookup(orders).result().orElseThrow())).isEqualTo("fresh");
    assertThat(marker(b.lookup(orders).result().orElseThrow())).isEqualTo("fresh");
  }

  @Test
  void remoteInvalidationOfAllTables_removesEveryEntryOfThatDatabase() {
    fillEverywhere("v1");
    b.invalidateAll("db");
    bus.deliverAll();
    assertThat(a.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
  }

  @Test
  void flushEvent_clearsEveryNode() {
    fillEverywhere("v1");
    bus.member().publish(new CacheEvent.Flush("admin"));
    bus.deliverAll();
    assertThat(a.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    assertThat(b.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    assertThat(a.stats().flushes()).isEqualTo(1);
  }

  @Test
  void fillDeliveredTwice_isHarmless() {
    FillTicket.Leader leader = lead(a, orders);
    var fill = new CacheEvent.Fill(orders, result("x", leader.startedAtNanos(), Dependencies.ofNames("orders")), 0, "a");
    a.deliver(1, fill);
    a.deliver(1, fill);
    a.invalidate("db", tables("orders"));
    assertThat(a.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    leader.abandon();
  }

  @Test
  void expiredOnArrival_isDropped() {
    FillTicket.Leader leader = lead(b, orders);
    leader.complete(result("old", leader.startedAtNanos(), Dependencies.ofNames("orders")));
    ticker.advance(java.time.Duration.ofSeconds(16)); // past max-age + swr before delivery
    bus.deliverAll();
    assertThat(a.lookup(orders).status()).isEqualTo(CacheStatus.MISS);
    assertThat(a.stats().fillsDropped()).isEqualTo(1);
  }

  private void fillEverywhere(String marker) {
    FillTicket.Leader leader = lead(a, orders);
    leader.complete(result(marker, leader.startedAtNanos(), Dependencies.ofNames("orders")));
    bus.deliverAll();
    assertThat(a.lookup(orders).status()).isEqualTo(CacheStatus.HIT);
    assertThat(b.lookup(orders).status()).isEqualTo(CacheStatus.HIT);
  }
}
