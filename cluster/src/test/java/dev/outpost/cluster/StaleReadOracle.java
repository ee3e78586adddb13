package dev.outpost.cluster;

import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheKey;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.FillTicket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A simulated origin database for cluster tests, and what every node may still serve from it. The
 * origin keeps one version per table; a write commits the next version, then invalidates through the
 * writer's cache, as the proxy does; a fill's query reads the version current when it runs, and its
 * rows name it ({@code t=<table> v=<version>}). Statement {@code k} reads table {@code k % tables}.
 *
 * <p>What it checks, independently of how the bus and the cache work (DESIGN §6.6, {@link
 * dev.outpost.cache.QueryCache}'s guarantee): a node never serves a version of a table below the
 * newest write whose invalidation it had applied — its own, applied before {@code invalidate}
 * returns, or another node's, delivered there ({@link #read}, and right after every fill a watched
 * node applies); and, at rest, no node serves anything but the current version ({@link
 * #checkAtRest}). A node serving a version older than a write whose invalidation has not reached
 * it yet is allowed and not checked. Violations are collected, not thrown: the test decides when to
 * fail. Only one thread may write, read or fill through it; deliveries may come on any thread.
 */
final class StaleReadOracle {

  /** A committed write; {@code delivered} completes with its invalidation's delivery future. */
  private record Write(String node, long id, int table, long version, CompletableFuture<Void> delivered) {}

  /** Why a node must not serve a table below some version: a write, applied early there or delivered. */
  private record Floor(Write write, String how) {}

  private final int tables;
  private final int keys;
  private final Map<CacheKey, Integer> keyIndex = new HashMap<>();
  private final long[] origin; // committed version per table; only the driving thread writes
  private final Map<String, Floor[]> floors = new ConcurrentHashMap<>();
  private final Map<String, Map<Long, Write>> writes = new ConcurrentHashMap<>();
  private final Map<String, ArrayDeque<String>> deliveries = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
  private final AtomicInteger fillsChecked = new AtomicInteger();
  private final Consumer<String> trace;
  private int hitsChecked;
  private int entriesCheckedAtRest;

  StaleReadOracle(int tables, int keys, Consumer<String> trace) {
    this.tables = tables;
    this.keys = keys;
    this.origin = new long[tables];
    this.trace = trace;
    for (int k = 0; k < keys; k++) {
      keyIndex.put(key(k), k);
    }
  }

  int keys() {
    return keys;
  }

  int table(int key) {
    return key % tables;
  }

  CacheKey key(int key) {
    return TestNode.key("SELECT /* statement " + key + " */ * FROM t" + table(key));
  }

  /** Follows what {@code n} applies: raises its floors at each invalidation and checks each fill. */
  void watch(TestNode n) {
    floors.put(n.name(), new Floor[tables]);
    writes.putIfAbsent(n.name(), new ConcurrentHashMap<>());
    ArrayDeque<String> log = new ArrayDeque<>();
    deliveries.put(n.name(), log);
    n.bus.afterApply((seq, event) -> {
      String line = SequenceSpace.format(seq) + " " + describe(event);
      if (event instanceof CacheEvent.Invalidation inv) {
        Write w = writes.getOrDefault(inv.originNode(), Map.of()).get(inv.id());
        if (w != null) {
          raise(n, w, "delivered here at " + SequenceSpace.format(seq));
          line += " = t" + w.table() + " v" + w.version();
        }
      } else if (event instanceof CacheEvent.Fill fill && keyIndex.containsKey(fill.key())) {
        // Right after the cache judged the fill, before anything else can remove a wrongly admitted one.
        int k = keyIndex.get(fill.key());
        Floor floor = floor(n, table(k));
        Optional<String> served = n.read(fill.key());
        fillsChecked.incrementAndGet();
        line += served.map(m -> " -> serves " + m).orElse(" -> miss");
        if (served.isPresent()) {
          check(n, k, served.get(), floor, "applying the fill at " + SequenceSpace.format(seq));
        }
      }
      synchronized (log) {
        if (log.size() == 60) {
          log.removeFirst();
        }
        log.addLast(line);
      }
    });
  }

  /** A commit at the origin, then the invalidation through the writer's cache. */
  void write(TestNode n, int table) {
    long version = ++origin[table];
    Map<Long, Write> mine = writes.get(n.name());
    long id = mine.size() + 1L; // the cache numbers its invalidations 1, 2, 3, … and only we invalidate
    Write w = new Write(n.name(), id, table, version, new CompletableFuture<>());
    mine.put(id, w); // before invalidating: the delivery may come back before invalidate() returns
    n.cache.invalidate("db", TestNode.tables("t" + table)).whenComplete((r, e) -> {
      if (e == null) {
        w.delivered().complete(null);
      } else {
        w.delivered().completeExceptionally(e);
      }
    });
    raise(n, w, "its own write, applied early"); // read-your-writes from here on
    trace.accept(n + " write t" + table + " v" + version + " (invalidation #" + id + ")");
  }

  /** The query of {@code key} runs at the origin now: the version it reads. */
  long query(int key) {
    return origin[table(key)];
  }

  /** Completes a fill whose query read {@code version}. */
  void complete(FillTicket.Leader leader, int key, long version) {
    byte[] rows = ("t=" + table(key) + " v=" + version).getBytes(StandardCharsets.UTF_8);
    leader.complete(TestNode.result(rows, leader.startedAtNanos(), Dependencies.ofNames("t" + table(key))));
  }

  /** A look-up on {@code n}, checked against the writes it had applied before it began. */
  Optional<String> read(TestNode n, int key, String when) {
    Floor floor = floor(n, table(key));
    Optional<String> served = n.read(key(key));
    served.ifPresent(m -> {
      hitsChecked++;
      check(n, key, m, floor, when);
    });
    return served;
  }

  /** Everything each node serves must be current; returns how many entries were served. */
  int checkAtRest(List<TestNode> nodes, String when) {
    int entries = 0;
    for (TestNode n : nodes) {
      for (int k = 0; k < keys; k++) {
        Optional<String> served = n.read(key(k));
        if (served.isPresent()) {
          entries++;
          if (version(served.get()) != origin[table(k)]) {
            violation(String.format("%s: %s serves k%d %s but t%d is at v%d", when, n, k, served.get(), table(k),
                origin[table(k)]), n);
          }
        }
      }
    }
    entriesCheckedAtRest += entries;
    return entries;
  }

  /** Writes of these nodes whose invalidation's delivery did not complete normally. */
  List<String> undelivered(List<TestNode> nodes) {
    return nodes.stream().flatMap(n -> writes.getOrDefault(n.name(), Map.of()).values().stream())
        .filter(w -> !w.delivered().isDone() || w.delivered().isCompletedExceptionally())
        .map(w -> w.node() + " #" + w.id()).toList();
  }

  /** What was served that should not have been; the trace has each with the node's state and last deliveries. */
  List<String> violations() {
    return List.copyOf(violations);
  }

  /** Hits and applied fills compared with the model: a run that checked none proved nothing. */
  long answersChecked() {
    return hitsChecked + fillsChecked.get();
  }

  String checked() {
    return entriesCheckedAtRest + " entries at rest, " + hitsChecked + " hits and " + fillsChecked.get()
        + " applied fills checked";
  }

  private void raise(TestNode n, Write w, String how) {
    Floor[] mine = floors.get(n.name());
    synchronized (mine) {
      if (mine[w.table()] == null || mine[w.table()].write().version() < w.version()) {
        mine[w.table()] = new Floor(w, how);
      }
    }
  }

  private Floor floor(TestNode n, int table) {
    Floor[] mine = floors.get(n.name());
    synchronized (mine) {
      return mine[table];
    }
  }

  private void check(TestNode n, int key, String served, Floor floor, String when) {
    if (floor != null && version(served) < floor.write().version()) {
      Write w = floor.write();
      violation(String.format("%s, on %s: serves k%d %s, though it had applied t%d v%d (invalidation #%d of %s, %s;"
          + " delivered back to its writer: %s)", when, n, key, served, w.table(), w.version(), w.id(), w.node(),
          floor.how(), w.delivered().isDone()), n);
    }
  }

  private void violation(String what, TestNode n) {
    violations.add(what);
    trace.accept("VIOLATION " + what + "; " + n.describe() + "; its last deliveries:\n    " + lastDeliveries(n));
  }

  private String lastDeliveries(TestNode n) {
    ArrayDeque<String> log = deliveries.get(n.name());
    synchronized (log) {
      return String.join("\n    ", log);
    }
  }

  private static String describe(CacheEvent event) {
    if (event instanceof CacheEvent.Fill f) {
      return "fill " + f.key().statement() + " of " + f.originNode() + " begun at "
          + SequenceSpace.format(f.sequenceAtStart()) + ": " + TestNode.marker(f.result());
    }
    if (event instanceof CacheEvent.Invalidation inv) {
      return "invalidation " + inv.tables() + " #" + inv.id() + " of " + inv.originNode();
    }
    return "flush";
  }

  private static long version(String marker) {
    return Long.parseLong(marker.substring(marker.indexOf("v=") + 2));
  }
}
