package dev.outpost.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheKey;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.FillTicket;
import dev.outpost.cache.Lookup;
import dev.outpost.cache.sql.TableRef;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The §6.6 race across a region: readers on every node fill and read while writers on two nodes
 * commit new versions of tables at a simulated origin and invalidate after each commit, for a
 * bounded number of operations. Checked, independently of how the cache and bus work:
 *
 * <ol>
 *   <li>online, on every node: a served entry is never older (per table it reads) than a version
 *       whose invalidation that node had already applied — its own writes' early application, or a
 *       delivered invalidation from another node;
 *   <li>at rest, after every event has been delivered everywhere: every node holds the same
 *       entries, and none of them is older than the origin's current data (every invalidation
 *       that followed an entry's read removed it).
 * </ol>
 */
class ConsistencyRaceTest {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConsistencyRaceTest.class);

  private static final int TABLES = 4;
  private static final int OPS_PER_READER = 4_000;
  private static final long MAX_RUN_NANOS = TimeUnit.SECONDS.toNanos(6);
  private static final int READS_PER_WRITE = 6; // per writer; two writers

  /** Statement {@code i} reads the tables in {@code DEPS[i]}; the last reads "everything". */
  private static final int[][] DEPS = {{0}, {1}, {0, 1}, {2}, {2, 3}, {0, 1, 2, 3}};

  private final AtomicLongArray origin = new AtomicLongArray(TABLES); // committed version per table

  /** A node's view of which versions it must never serve older data than. */
  private static final class Applied {
    final AtomicLongArray versions = new AtomicLongArray(TABLES);

    void raise(int table, long version) {
      versions.accumulateAndGet(table, version, Math::max);
    }
  }

  private record Write(int table, long version) {}

  @Test
  void concurrentFillsAndInvalidationsFromSeveralNodes_keepEveryNodeConsistent() throws Exception {
    try (TestRegion region = TestRegion.sharedLoopback("race", 3)) {
      List<TestNode> nodes = region.nodes;
      Map<String, Applied> applied = new ConcurrentHashMap<>();
      Map<String, Map<Long, Write>> writesByNode = new ConcurrentHashMap<>();
      for (TestNode n : nodes) {
        Applied a = new Applied();
        applied.put(n.name(), a);
        writesByNode.put(n.name(), new ConcurrentHashMap<>());
        n.bus.afterApply((seq, event) -> {
          if (event instanceof CacheEvent.Invalidation inv) {
            Write w = writesByNode.getOrDefault(inv.originNode(), Map.of()).get(inv.id());
            if (w != null) {
              a.raise(w.table(), w.version());
            }
          }
        });
      }
      List<CacheKey> keys = new ArrayList<>();
      for (int i = 0; i < DEPS.length; i++) {
        keys.add(TestNode.key("SELECT /* statement " + i + " */ 1"));
      }

      ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
      AtomicBoolean readersDone = new AtomicBoolean();
      AtomicLong readsDone = new AtomicLong();
      long deadline = System.nanoTime() + MAX_RUN_NANOS;
      ExecutorService pool = Executors.newFixedThreadPool(5);
      try {
        List<Future<Long>> readers = new ArrayList<>();
        for (TestNode n : nodes) {
          readers.add(pool.submit(() -> read(n, keys, applied.get(n.name()), violations, deadline, readsDone)));
        }
        List<Future<?>> writers = new ArrayList<>();
        for (TestNode n : List.of(nodes.get(0), nodes.get(2))) {
          writers.add(pool.submit(() ->
              write(n, applied.get(n.name()), writesByNode.get(n.name()), readersDone, readsDone)));
        }
        long hits = 0;
        try {
          for (Future<Long> r : readers) {
            hits += r.get(60, TimeUnit.SECONDS);
          }
        } finally {
          readersDone.set(true);
        }
        for (Future<?> w : writers) {
          w.get(60, TimeUnit.SECONDS);
        }
        assertThat(violations).as("stale reads").isEmpty();
        assertThat(hits).as("reads served from the cache at all").isPositive();
        LOG.info("race: {} hits, {} writes", hits, writesByNode.values().stream().mapToInt(Map::size).sum());
      } finally {
        pool.shutdownNow();
      }

      region.awaitQuiet();
      long presentAtRest = keys.stream().filter(k -> nodes.get(0).read(k).isPresent()).count();
      assertConsistentAtRest(nodes, keys);
      LOG.info("race: {} of {} statements cached on every node at rest", presentAtRest, keys.size());

      // One more round after the last write: every node converges on the same, current entries.
      for (CacheKey k : keys) {
        if (nodes.get(1).read(k).isEmpty()) {
          fillFromOrigin(nodes.get(1), k, keys.indexOf(k));
        }
      }
      region.awaitQuiet();
      for (TestNode n : nodes) {
        for (CacheKey k : keys) {
          assertThat(n.read(k)).as("%s on %s after the last round", k, n).isPresent();
        }
      }
      assertConsistentAtRest(nodes, keys);
      for (TestNode n : nodes) {
        n.assertSequencesIncreased();
        LOG.info("race on {}: cache {}; cluster {}", n, n.cache.stats(), n.stats());
      }
    }
  }

  private void assertConsistentAtRest(List<TestNode> nodes, List<CacheKey> keys) {
      for (CacheKey k : keys) {
        Optional<String> first = nodes.get(0).read(k);
        for (TestNode n : nodes) {
          assertThat(n.read(k)).as("%s on %s vs %s", k, n, nodes.get(0)).isEqualTo(first);
        }
        first.ifPresent(marker -> {
          long[] seen = parse(marker);
          for (int t : DEPS[keys.indexOf(k)]) {
            assertThat(seen[t]).as("%s holds table t%d at rest", k, t).isEqualTo(origin.get(t));
          }
        });
      }
  }

  private long read(TestNode node, List<CacheKey> keys, Applied applied, ConcurrentLinkedQueue<String> violations,
      long deadline, AtomicLong readsDone) {
    Random random = new Random(node.name().hashCode());
    long hits = 0;
    for (int op = 0; op < OPS_PER_READER && System.nanoTime() - deadline < 0; op++) {
      readsDone.incrementAndGet();
      int s = random.nextInt(DEPS.length);
      CacheKey key = keys.get(s);
      long[] mustSee = new long[TABLES];
      for (int t = 0; t < TABLES; t++) {
        mustSee[t] = applied.versions.get(t);
      }
      Lookup l = node.cache.lookup(key);
      if (l.result().isPresent()) {
        hits++;
        long[] seen = parse(TestNode.marker(l.result().get()));
        for (int t : DEPS[s]) {
          if (seen[t] < mustSee[t]) {
            violations.add(node + " served t" + t + "@" + seen[t] + " after applying @" + mustSee[t]);
          }
        }
        continue;
      }
      fillFromOrigin(node, key, s);
    }
    return hits;
  }

  /** A miss as the proxy handles it: lead (or follow), run the query at the origin, complete. */
  private void fillFromOrigin(TestNode node, CacheKey key, int statement) {
    FillTicket ticket = node.cache.begin(key);
    if (ticket instanceof FillTicket.Leader leader) {
      long[] versions = new long[TABLES];
      for (int t = 0; t < TABLES; t++) {
        versions[t] = origin.get(t); // the query runs at the origin after begin()
      }
      Thread.yield(); // the round trip back: let writers in
      Dependencies deps = statement == DEPS.length - 1 ? Dependencies.ALL : names(DEPS[statement]);
      leader.complete(TestNode.result(format(versions).getBytes(StandardCharsets.UTF_8), leader.startedAtNanos(), deps));
    }
  }

  private void write(TestNode node, Applied applied, Map<Long, Write> writes, AtomicBoolean readersDone,
      AtomicLong readsDone) {
    Random random = new Random(node.name().hashCode() * 31L);
    for (long id = 1; !readersDone.get(); id++) {
      while (readsDone.get() < id * READS_PER_WRITE && !readersDone.get()) {
        LockSupport.parkNanos(50_000); // pace writes by reads, not by time: a mix of fills and writes
      }
      int t = random.nextInt(TABLES);
      long version = origin.incrementAndGet(t); // commit
      // The cache numbers this node's invalidations 1, 2, 3, … and only this thread invalidates here.
      writes.put(id, new Write(t, version));
      Thread.yield(); // between the commit and the proxy seeing ReadyForQuery
      node.cache.invalidate("db", List.of(TableRef.of("t" + t)));
      applied.raise(t, version); // applied early on the writer's node: read-your-writes
    }
  }

  private static Dependencies names(int[] tables) {
    String[] names = new String[tables.length];
    for (int i = 0; i < tables.length; i++) {
      names[i] = "t" + tables[i];
    }
    return Dependencies.ofNames(names);
  }

  private static String format(long[] versions) {
    StringBuilder b = new StringBuilder();
    for (long v : versions) {
      b.append(b.length() == 0 ? "" : ",").append(v);
    }
    return b.toString();
  }

  private static long[] parse(String marker) {
    String[] parts = marker.split(",");
    long[] out = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = Long.parseLong(parts[i]);
    }
    return out;
  }
}
