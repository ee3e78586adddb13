package dev.outpost.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CachedResult;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.FillTicket;
import dev.outpost.cache.Freshness;
import dev.outpost.cache.Lookup;
import dev.outpost.cache.QueryCache;
import dev.outpost.cache.sql.TableRef;
import dev.outpost.cache.store.QueryCacheBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** One node under test: a {@link ClusterNode} and a real {@link QueryCache} bound to its bus. */
final class TestNode implements AutoCloseable {

  static final Freshness MINUTE = new Freshness(Duration.ofMinutes(1), Duration.ofSeconds(15));

  final ClusterNode node;
  final RecordingBus bus;
  final QueryCache cache;

  private TestNode(ClusterNode node, RecordingBus bus, QueryCache cache) {
    this.node = node;
    this.bus = bus;
    this.cache = cache;
  }

  static TestNode start(ClusterConfig config, StackFactory stacks) {
    ClusterNode node = ClusterNode.start(config, stacks, TestStacks.FAST);
    RecordingBus bus = new RecordingBus(node.cacheBus());
    QueryCache cache = QueryCacheBuilder.newBuilder().nodeId(config.nodeName()).executor(Runnable::run)
        .maxEntrySize(8L << 20).bus(bus).build();
    return new TestNode(node, bus, cache);
  }

  String name() {
    return node.nodeName();
  }

  static CacheKey key(String sql) {
    return CacheKey.builder("db", "app", sql).build();
  }

  static List<TableRef> tables(String... names) {
    return Arrays.stream(names).map(TableRef::of).toList();
  }

  /** Runs a miss through the cache as the proxy would: lead, "query", complete with {@code marker}. */
  void fill(CacheKey key, String marker, Dependencies deps) {
    fill(key, marker.getBytes(StandardCharsets.UTF_8), deps);
  }

  void fill(CacheKey key, byte[] rows, Dependencies deps) {
    FillTicket t = cache.begin(key);
    assertThat(t).as("%s leads the fill of %s", name(), key).isInstanceOf(FillTicket.Leader.class);
    FillTicket.Leader leader = (FillTicket.Leader) t;
    leader.complete(result(rows, leader.startedAtNanos(), deps));
  }

  static CachedResult result(byte[] rows, long createdAt, Dependencies deps) {
    return CachedResult.builder(rows).rowCount(1).dependencies(deps).createdAtNanos(createdAt).freshness(MINUTE)
        .build();
  }

  /** The marker of the entry this node would serve for {@code key}, if any. */
  Optional<String> read(CacheKey key) {
    Lookup l = cache.lookup(key);
    return l.result().map(TestNode::marker);
  }

  static String marker(CachedResult r) {
    var buf = r.rowsAndCompletion();
    byte[] b = new byte[buf.remaining()];
    buf.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  ClusterStats stats() {
    return node.snapshot().stats();
  }

  /** What a failing test prints about this node: its view of the region, its sequence and its counters. */
  String describe() {
    JGroupsCacheBus b = node.bus();
    return name() + ": " + node.snapshot() + ", applied " + SequenceSpace.format(b.lastSequence()) + ", stamped "
        + SequenceSpace.format(b.lastStamped()) + ", flush pending " + b.flushPending() + ", queued " + b.queued()
        + ", " + cache.stats();
  }

  /** Fails if the bus ever delivered a sequence number that was not above the previous one. */
  void assertSequencesIncreased() {
    assertThat(bus.violations()).as("non-increasing deliveries on %s", name()).isEmpty();
  }

  @Override
  public void close() {
    node.close();
  }

  @Override
  public String toString() {
    return name();
  }
}
