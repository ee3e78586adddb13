package dev.outpost.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.cache.Dependencies;
import dev.outpost.cache.FillTicket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jgroups.protocols.DISCARD;
import org.junit.jupiter.api.Test;

/**
 * A seeded random program against one region on SHARED_LOOPBACK, checked by a {@link
 * StaleReadOracle}: reads, fills (some held open across writes and view changes, as a slow origin
 * query is) and writes on random nodes, while partitions (DISCARD) split the region into two or
 * three sides for long enough to form their own views or just short of it, the coordinator leaves,
 * nodes join, one node now and then installs a new view late (it hears no one for a few hundred
 * milliseconds), and quiet points wait for the region to settle and check that no node serves
 * anything but the current data.
 *
 * <p>The program's decisions depend only on the seed; which node is coordinator after a merge, and
 * all timing, do not. Reproduce with {@code -Doutpost.chaos.seed=N} (logged at the start and in a
 * failure), change the length with {@code -Doutpost.chaos.steps=N}, and log the trace of a run that
 * passed with {@code -Doutpost.chaos.trace=true}.
 */
class RegionChaosTest {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RegionChaosTest.class);

  private static final int MAX_NODES = 5;
  private static final Duration FORM_DEADLINE = Duration.ofSeconds(40);

  /** What comes between stretches of operations; membership changes are dealt so that each kind occurs. */
  private enum Chaos { PARTITION, SHORT_PARTITION, COORDINATOR_LEAVES, JOIN, QUIET }

  /** A fill whose query read the origin at {@code version}; it completes at step {@code dueStep}. */
  private record OpenFill(TestNode node, int key, FillTicket.Leader leader, long version, int dueStep) {}

  private final long startNanos = System.nanoTime();
  private final ConcurrentLinkedQueue<String> trace = new ConcurrentLinkedQueue<>();
  private final StaleReadOracle oracle = new StaleReadOracle(5, 10, this::note); // 5 tables, 2 statements each
  private final Map<String, ClusterStats> statsOfClosed = new ConcurrentHashMap<>();
  private final List<OpenFill> open = new ArrayList<>();
  private final List<CompletableFuture<Void>> leaving = new ArrayList<>();

  private Random random;
  private TestRegion region;
  private int nodesStarted;
  private int step;
  private int probes;
  private int quietPoints;
  private List<List<TestNode>> sides; // null while healed
  private TestNode lagging; // hears no other member from lagFromNanos to lagUntilNanos
  private boolean lagDeaf;
  private long lagFromNanos;
  private long lagUntilNanos;

  @Test
  void randomOperationsUnderPartitionsLeavesAndJoins_neverServeWhatAnAppliedWriteMadeStale() {
    long seed = Long.getLong("outpost.chaos.seed", ThreadLocalRandom.current().nextLong());
    int steps = Integer.getInteger("outpost.chaos.steps", 800);
    LOG.info("region chaos: seed {}, {} steps (reproduce with -Doutpost.chaos.seed={} -Doutpost.chaos.steps={})",
        seed, steps, seed, steps);
    random = new Random(seed);
    nodesStarted = 3 + random.nextInt(3);
    region = TestRegion.sharedLoopback("chaos", nodesStarted);
    try {
      region.nodes.forEach(this::watch);
      run(steps);
      quiet("end");
      region.nodes.forEach(TestNode::assertSequencesIncreased);
      assertThat(oracle.undelivered(region.nodes)).as("invalidations of nodes still up that were not delivered")
          .isEmpty();
    } catch (RuntimeException | Error e) {
      report(seed, steps);
      throw e;
    } finally {
      LOG.info("region chaos: seed {} ran {} ms; {} quiet points, {}; {}", seed,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), quietPoints, oracle.checked(), counters());
      region.close();
    }
    if (!oracle.violations().isEmpty() || Boolean.getBoolean("outpost.chaos.trace")) {
      report(seed, steps);
    }
    assertThat(oracle.violations()).as("stale answers served (seed %d, %d steps)", seed, steps).isEmpty();
    assertThat(oracle.answersChecked()).as("answers the oracle compared").isPositive();
  }

  // ---------------------------------------------------------------- the program

  /**
   * Stretches of operations between membership changes and quiet points, in a seeded order. A
   * partition lasts a drawn time while operations go on on every side; the stretch after it runs
   * while the region merges.
   */
  private void run(int steps) {
    List<Chaos> events = new ArrayList<>();
    int changes = Math.max(4, steps / 200);
    while (events.size() < changes) {
      List<Chaos> deal = new ArrayList<>(
          List.of(Chaos.PARTITION, Chaos.SHORT_PARTITION, Chaos.COORDINATOR_LEAVES, Chaos.JOIN));
      Collections.shuffle(deal, random);
      events.addAll(deal);
    }
    events = new ArrayList<>(events.subList(0, changes));
    for (int q = Math.max(3, steps / 300); q > 0; q--) {
      events.add(Chaos.QUIET);
    }
    Collections.shuffle(events, random);
    int stretch = Math.max(1, steps / (2 * events.size() + 1));
    for (Chaos event : events) {
      operations(stretch / 2 + random.nextInt(stretch + 1), 0);
      int b = random.nextInt(1 << 20);
      int c = random.nextInt(1 << 20);
      switch (event) {
        case PARTITION, SHORT_PARTITION -> {
          awaitFormed(); // partitioning a region that is still merging would only prolong the merge
          long millis = event == Chaos.SHORT_PARTITION
              ? 300 + c % 2000 // around FD_ALL3's 1.5 s: the sides may exclude each other, or not yet
              : 3000 + c % 1500; // long enough for the sides to form their own views
          long healAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
          partition(b, millis);
          int count = 1 + stretch / 2 + random.nextInt(stretch + 1);
          operations(count, millis / count);
          sleepMillis(TimeUnit.NANOSECONDS.toMillis(healAt - System.nanoTime()));
          heal();
          int d = random.nextInt(1 << 20);
          maybeLag(random.nextInt(1 << 20), d, d % 2500); // the merge comes within a few seconds
        }
        case COORDINATOR_LEAVES -> {
          if (region.nodes.size() < 3) {
            join();
          } else {
            coordinatorLeaves();
          }
        }
        case JOIN -> {
          if (region.nodes.size() >= MAX_NODES) {
            coordinatorLeaves();
          } else {
            join();
          }
        }
        case QUIET -> quiet("quiet point at step " + step);
      }
    }
    operations(stretch, 0);
  }

  /** {@code count} operations, {@code meanMillis} apart on average in bursts and gaps, or mostly back to back. */
  private void operations(int count, long meanMillis) {
    for (int i = 0; i < count; i++) {
      step++;
      lagOnTime();
      completeDueFills();
      int a = random.nextInt(100);
      int b = random.nextInt(1 << 20);
      int c = random.nextInt(1 << 20);
      int pace = random.nextInt(100);
      TestNode n = region.nodes.get(b % region.nodes.size());
      int key = c % oracle.keys();
      if (a < 40) {
        // Most fills complete a few operations later; some stay open across a view change or two.
        int h = (b >> 8) % 8;
        readAndFill(n, key, h == 0 ? 0 : h == 1 ? 50 + (c >> 8) % 300 : 1 + (c >> 8) % 8);
      } else if (a < 85) {
        read(n, key);
      } else {
        oracle.write(n, oracle.table((c >> 4) % oracle.keys()));
      }
      if (meanMillis > 0) {
        sleepMillis(pace < 50 ? 0 : meanMillis * (pace - 50) * 2 / 25);
      } else if (pace >= 50) {
        sleepMillis(pace < 85 ? 1 + c % 5 : 10 + c % 50); // deliveries and views land between operations
      }
    }
  }

  /** The proxy's read path: a hit is served; a miss leads a fill whose query reads the origin now. */
  private void readAndFill(TestNode n, int key, int hold) {
    if (read(n, key).isPresent()) {
      return;
    }
    if (open.stream().anyMatch(f -> f.node() == n && f.key() == key)) {
      return; // this node's fill of the key is still running: the cache would make us a follower
    }
    if (!(n.cache.begin(oracle.key(key)) instanceof FillTicket.Leader leader)) {
      note(n + " fill k" + key + ": follower");
      return;
    }
    OpenFill f = new OpenFill(n, key, leader, oracle.query(key), step + hold);
    note(n + " fill k" + key + " t" + oracle.table(key) + " v" + f.version() + " (begun at "
        + SequenceSpace.format(leader.sequenceAtStart()) + "), completes at step " + f.dueStep());
    if (hold == 0) {
      complete(f);
    } else {
      open.add(f);
    }
  }

  private Optional<String> read(TestNode n, int key) {
    Optional<String> served = oracle.read(n, key, "a read at step " + step);
    note(n + " read k" + key + ": " + served.orElse("miss"));
    return served;
  }

  private void completeDueFills() {
    for (OpenFill f : List.copyOf(open)) {
      if (f.dueStep() <= step) {
        open.remove(f);
        complete(f);
      }
    }
  }

  private void complete(OpenFill f) {
    note(f.node() + " complete k" + f.key() + " v" + f.version());
    oracle.complete(f.leader(), f.key(), f.version());
  }

  // ---------------------------------------------------------------- membership

  /** Splits the nodes into two or three sides that drop each other's messages. */
  private void partition(int b, long millis) {
    List<TestNode> shuffled = new ArrayList<>(region.nodes);
    Collections.shuffle(shuffled, random);
    int count = shuffled.size() >= 3 && b % 3 == 0 ? 3 : 2;
    List<List<TestNode>> parts = new ArrayList<>();
    for (int i = 0; i < shuffled.size(); i++) {
      if (i < count) {
        parts.add(new ArrayList<>(List.of(shuffled.get(i))));
      } else {
        parts.get(random.nextInt(count)).add(shuffled.get(i));
      }
    }
    for (List<TestNode> side : parts) {
      for (List<TestNode> other : parts) {
        for (TestNode x : side) {
          for (TestNode y : other) {
            if (side != other) {
              discard(x).addIgnoreMember(y.node.channel().getAddress());
            }
          }
        }
      }
    }
    sides = parts;
    note("partition " + parts + " for " + millis + " ms");
  }

  private void heal() {
    region.nodes.forEach(n -> discard(n).resetIgnoredMembers());
    sides = null;
    lagging = null;
    lagDeaf = false;
    note("healed");
  }

  /**
   * Half the time, one node will hear no other member for 100–800 ms, less than failure detection
   * needs to suspect anyone, from {@code delayMillis} on: it installs the next view late, while the
   * others already work in it.
   */
  private void maybeLag(int b, int c, long delayMillis) {
    if (b % 2 == 0) {
      return;
    }
    long millis = 100 + c % 700;
    lagging = region.nodes.get((b >> 1) % region.nodes.size());
    lagDeaf = false;
    lagFromNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
    lagUntilNanos = lagFromNanos + TimeUnit.MILLISECONDS.toNanos(millis);
    note(lagging + " will hear no other member " + delayMillis + " ms from now, for " + millis + " ms");
    lagOnTime();
  }

  /** Starts or ends the lag when its time has come. */
  private void lagOnTime() {
    if (lagging == null) {
      return;
    }
    long now = System.nanoTime();
    if (now - lagUntilNanos >= 0) {
      endLag();
    } else if (!lagDeaf && now - lagFromNanos >= 0 && sides == null) {
      TestNode l = lagging;
      region.nodes.stream().filter(other -> other != l)
          .forEach(other -> discard(l).addIgnoreMember(other.node.channel().getAddress()));
      lagDeaf = true;
      note(l + " hears no other member");
    }
  }

  private void endLag() {
    if (lagDeaf && sides == null) {
      discard(lagging).resetIgnoredMembers();
      note(lagging + " hears the others again");
    }
    lagging = null;
    lagDeaf = false;
  }

  /**
   * The coordinator leaves, once the region is one view: a node's writes made while it was apart
   * reach the others only through the merge, so a node that left before it could take an
   * invalidation with it, which the design does not promise to survive. The others go on reading
   * and writing while it leaves, as a proxy's clients would.
   */
  private void coordinatorLeaves() {
    if (sides != null) {
      heal();
    }
    awaitFormed();
    TestNode coordinator = region.nodes.stream().filter(n -> n.node.isCoordinator()).findFirst().orElseThrow();
    note("coordinator " + coordinator + " leaves");
    open.removeIf(f -> f.node() == coordinator);
    region.nodes.remove(coordinator);
    maybeLag(random.nextInt(1 << 20), random.nextInt(1 << 20), 0); // it still hears the coordinator
    CompletableFuture<Void> closed = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        coordinator.close();
        statsOfClosed.put(coordinator.name(), coordinator.stats());
        note(coordinator + " closed");
        closed.complete(null);
      } catch (RuntimeException | Error e) {
        closed.completeExceptionally(e);
      }
    }, "chaos-close-" + coordinator.name());
    t.setDaemon(true);
    t.start();
    leaving.add(closed);
  }

  private void join() {
    if (sides != null) {
      heal(); // a joiner would otherwise reach every side: a partition that is not one
    }
    TestNode n = region.add(ClusterConfig.builder(region.region, region.region + "-" + (++nodesStarted)).build());
    watch(n);
    note(n + " joined, view " + n.node.membership().members());
  }

  /** Waits until every node is in one view with all the others; returns its id. */
  private long awaitFormed() {
    for (CompletableFuture<Void> f : leaving) {
      f.orTimeout(TestRegion.DEADLINE.toSeconds(), TimeUnit.SECONDS).join();
    }
    leaving.clear();
    if (lagging != null) {
      endLag();
    }
    await().atMost(FORM_DEADLINE).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
      RegionMembership first = region.nodes.get(0).node.membership();
      for (TestNode n : region.nodes) {
        RegionMembership m = n.node.membership();
        assertThat(m.size()).as("members seen by %s", n).isEqualTo(region.nodes.size());
        assertThat(m.viewId()).as("view of %s", n).isEqualTo(first.viewId());
      }
    });
    return region.nodes.get(0).node.membership().viewId();
  }

  // ---------------------------------------------------------------- quiet points

  /** Heals, completes the open fills, waits until everything stamped is applied everywhere, and checks. */
  private void quiet(String when) {
    if (sides != null) {
      heal();
    }
    List.copyOf(open).forEach(f -> {
      open.remove(f);
      complete(f);
    });
    quietPoints++;
    for (int attempt = 1; ; attempt++) {
      long view = awaitFormed();
      // A new term numbers from 1: until its coordinator stamps something, TestRegion.awaitQuiet
      // would compare with an older term's last number. A fill of a key of its own makes it stamp.
      region.nodes.get(probes % region.nodes.size())
          .fill(TestNode.key("SELECT /* chaos probe " + (++probes) + " */ 1"), "probe", Dependencies.ofNames("probe"));
      await().atMost(TestRegion.DEADLINE).pollInterval(Duration.ofMillis(10)).until(() -> region.nodes.stream()
          .anyMatch(n -> n.node.isCoordinator() && n.node.bus().lastStamped() > 0));
      region.awaitQuiet();
      if (region.nodes.stream().allMatch(n -> n.node.membership().viewId() == view)) {
        break;
      }
      assertThat(attempt).as("the view kept changing at a quiet point").isLessThan(5);
    }
    int entries = oracle.checkAtRest(region.nodes, when);
    note(when + ": " + region.nodes.size() + " nodes quiet, " + entries + " entries checked");
  }

  // ---------------------------------------------------------------- reporting

  private void watch(TestNode n) {
    oracle.watch(n);
    n.node.addListener(new ClusterListener() {
      @Override
      public void membershipChanged(RegionMembership m) {
        note(n + " view " + m.viewId() + " " + m.members() + (m.merged() ? " (merge)" : ""));
      }
    });
  }

  private void note(String line) {
    trace.add(String.format("%6d ms #%d ", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), step)
        + line);
  }

  private String counters() {
    Map<String, ClusterStats> all = new TreeMap<>(statsOfClosed);
    region.nodes.forEach(n -> all.put(n.name(), n.stats()));
    return String.format("over %d nodes: cluster fillsDropped %d, flushes %d, eventsOutOfOrder %d,"
        + " invalidationsResubmitted %d; cache fillsDropped %d (nodes still up)", all.size(),
        all.values().stream().mapToLong(ClusterStats::fillsDropped).sum(),
        all.values().stream().mapToLong(ClusterStats::flushes).sum(),
        all.values().stream().mapToLong(ClusterStats::eventsOutOfOrder).sum(),
        all.values().stream().mapToLong(ClusterStats::invalidationsResubmitted).sum(),
        region.nodes.stream().mapToLong(n -> n.cache.stats().fillsDropped()).sum());
  }

  private void report(long seed, int steps) {
    StringBuilder b = new StringBuilder("region chaos, seed ").append(seed).append(", ").append(steps)
        .append(" steps: trace\n");
    trace.forEach(line -> b.append("  ").append(line).append('\n'));
    oracle.violations().forEach(v -> b.append("violation: ").append(v).append('\n'));
    region.nodes.forEach(n -> b.append(n.describe()).append('\n'));
    if (oracle.violations().isEmpty()) {
      LOG.info(b.toString());
    } else {
      LOG.error(b.toString());
    }
  }

  private static DISCARD discard(TestNode n) {
    return n.node.channel().getProtocolStack().findProtocol(DISCARD.class);
  }

  private static void sleepMillis(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
