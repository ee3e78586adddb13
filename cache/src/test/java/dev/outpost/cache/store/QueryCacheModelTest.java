package dev.outpost.cache.store;

import static dev.outpost.cache.store.Fixtures.marker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.CachedResult;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.FillTicket;
import dev.outpost.cache.Freshness;
import dev.outpost.cache.Lookup;
import dev.outpost.cache.QueryCache;
import dev.outpost.cache.sql.TableRef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Drives a real QueryCache and a trivial reference model with the same random operations (fixed
 * seeds, bounded counts) and checks after every look-up that:
 *
 * <ol>
 *   <li>safety: no returned entry depends on a table invalidated (or a database invalidated, or a
 *       flush) after the entry's fill began — checked against operation order, independently of
 *       how the cache implements it;
 *   <li>equivalence: status, returned result, refresh ticket and leader/follower roles are exactly
 *       what the model predicts (so the cache does not achieve safety by caching nothing).
 * </ol>
 */
class QueryCacheModelTest {

  private static final List<String> DATABASES = List.of("db1", "db2");
  private static final List<String> TABLES = List.of("t0", "t1", "t2", "t3");
  private static final int STATEMENTS = 4;
  private static final Freshness FRESHNESS = new Freshness(Duration.ofSeconds(10), Duration.ofSeconds(5));

  /** A fill the model stored. */
  record ModelEntry(int ticket, long startOp, Dependencies deps, long createdAt) {}

  /** An open leader ticket and the followers waiting on it. */
  record Open(int id, FillTicket.Leader leader, long startOp, List<FillTicket.Follower> followers) {}

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1L, 42L, 1234L, 98765L, 31337L})
  void randomOperations_matchModel_andNeverServeInvalidatedEntries(long seed) {
    new Run(seed).execute(2_500);
  }

  private static final class Run {
    private final Random random;
    private final ManualTicker ticker = new ManualTicker();
    private final QueryCache cache =
        QueryCacheBuilder.newBuilder().ticker(ticker).executor(Runnable::run).maxBytes(1L << 30)
            .maxEntrySize(1 << 20).maxFlightTime(Duration.ofDays(1)).nodeId("model").build();

    // ---- the model
    private long sequence;
    private long floor;
    private final Map<String, Long> marks = new HashMap<>(); // "db/table", "db/*any", "db/*all"
    private final Map<CacheKey, ModelEntry> entries = new HashMap<>();
    private final Map<CacheKey, Integer> flights = new HashMap<>();
    // ---- operation-order facts for the safety check
    private final Map<String, Long> invalidatedAtOp = new HashMap<>();
    private final Map<Integer, ModelEntry> byTicket = new HashMap<>();
    private final List<Open> open = new ArrayList<>();
    private long op;
    private int nextTicket;

    Run(long seed) {
      this.random = new Random(seed);
    }

    void execute(int operations) {
      for (op = 1; op <= operations; op++) {
        int dice = random.nextInt(100);
        if (dice < 25) {
          lookup();
        } else if (dice < 45) {
          begin();
        } else if (dice < 65) {
          complete();
        } else if (dice < 70) {
          abandon();
        } else if (dice < 82) {
          invalidate();
        } else if (dice < 85) {
          invalidateAll();
        } else if (dice < 86) {
          flush();
        } else {
          ticker.advance(Duration.ofMillis(random.nextInt(4_000)));
        }
      }
      assertThat(cache.deliveredSequence()).isEqualTo(sequence);
    }

    private CacheKey randomKey() {
      return CacheKey.builder(DATABASES.get(random.nextInt(DATABASES.size())), "r",
          "SELECT " + random.nextInt(STATEMENTS)).build();
    }

    private void begin() {
      CacheKey key = randomKey();
      FillTicket t = cache.begin(key);
      Integer flight = flights.get(key);
      if (flight == null) {
        assertThat(t).as("op %d: leader expected", op).isInstanceOf(FillTicket.Leader.class);
        openTicket((FillTicket.Leader) t);
      } else {
        assertThat(t).as("op %d: follower expected", op).isInstanceOf(FillTicket.Follower.class);
        open.stream().filter(o -> o.id == flight).findFirst().orElseThrow()
            .followers.add((FillTicket.Follower) t);
      }
    }

    private void openTicket(FillTicket.Leader leader) {
      assertThat(leader.sequenceAtStart()).isEqualTo(sequence);
      int id = nextTicket++;
      flights.put(leader.key(), id);
      open.add(new Open(id, leader, op, new ArrayList<>()));
    }

    private void complete() {
      if (open.isEmpty()) {
        return;
      }
      Open o = open.remove(random.nextInt(open.size()));
      Dependencies deps = randomDependencies();
      long createdAt = o.leader.startedAtNanos();
      CachedResult r = CachedResult.builder(String.valueOf(o.id).getBytes(StandardCharsets.UTF_8))
          .dependencies(deps).createdAtNanos(createdAt).freshness(FRESHNESS).build();
      assertThat(o.leader.complete(r)).isEqualTo(CacheStatus.MISS);
      for (FillTicket.Follower f : o.followers) {
        assertThat(marker(f.result().join())).isEqualTo(String.valueOf(o.id));
      }
      flights.remove(o.leader.key(), o.id);
      long start = o.leader.sequenceAtStart();
      sequence++;
      String db = o.leader.key().database();
      boolean admitted = start >= floor && start >= mark(db + "/*any")
          && (deps.allTables() ? start >= mark(db + "/*all")
              : deps.tables().stream().allMatch(t -> start >= mark(db + "/" + t)))
          && createdAt + FRESHNESS.lifetimeNanos() - ticker.nanos() > 0;
      if (admitted) {
        ModelEntry e = new ModelEntry(o.id, o.startOp, deps, createdAt);
        entries.put(o.leader.key(), e);
        byTicket.put(o.id, e);
      }
    }

    private void abandon() {
      if (open.isEmpty()) {
        return;
      }
      Open o = open.remove(random.nextInt(open.size()));
      o.leader.abandon();
      for (FillTicket.Follower f : o.followers) {
        assertThat(f.result()).isCompletedExceptionally();
      }
      flights.remove(o.leader.key(), o.id);
    }

    private void invalidate() {
      String db = DATABASES.get(random.nextInt(DATABASES.size()));
      Set<String> tables = new HashSet<>();
      do {
        tables.add(TABLES.get(random.nextInt(TABLES.size())));
      } while (random.nextBoolean());
      cache.invalidate(db, tables.stream().map(TableRef::of).toList());
      sequence++;
      for (String t : tables) {
        marks.put(db + "/" + t, sequence);
        invalidatedAtOp.put(db + "/" + t, op);
      }
      marks.put(db + "/*all", sequence);
      entries.entrySet().removeIf(e -> e.getKey().database().equals(db)
          && (e.getValue().deps.allTables() || e.getValue().deps.tables().stream().anyMatch(tables::contains)));
      flights.keySet().removeIf(k -> k.database().equals(db));
    }

    private void invalidateAll() {
      String db = DATABASES.get(random.nextInt(DATABASES.size()));
      cache.invalidateAll(db);
      sequence++;
      marks.put(db + "/*any", sequence);
      marks.put(db + "/*all", sequence);
      invalidatedAtOp.put(db + "/*any", op);
      entries.keySet().removeIf(k -> k.database().equals(db));
      flights.keySet().removeIf(k -> k.database().equals(db));
    }

    private void flush() {
      cache.flush();
      floor = Math.max(floor, sequence + 1);
      invalidatedAtOp.put("*flush", op);
      entries.clear();
      flights.clear();
    }

    private void lookup() {
      CacheKey key = randomKey();
      Lookup l = cache.lookup(key);
      ModelEntry e = entries.get(key);
      long age = e == null ? 0 : ticker.nanos() - e.createdAt;
      CacheStatus expected = e == null || age >= FRESHNESS.lifetimeNanos() ? CacheStatus.MISS
          : age < FRESHNESS.maxAgeNanos() ? CacheStatus.HIT : CacheStatus.STALE;
      assertThat(l.status()).as("op %d: status of %s", op, key).isEqualTo(expected);
      if (expected == CacheStatus.MISS) {
        return;
      }
      int ticket = Integer.parseInt(marker(l.result().orElseThrow()));
      assertThat(ticket).as("op %d: which fill", op).isEqualTo(e.ticket);
      assertSafe(key.database(), byTicket.get(ticket));
      if (expected == CacheStatus.STALE) {
        boolean refreshExpected = !flights.containsKey(key);
        assertThat(l.refresh().isPresent()).as("op %d: refresh ticket", op).isEqualTo(refreshExpected);
        l.refresh().ifPresent(this::openTicket);
      }
    }

    /** The safety property, stated in operation order only. */
    private void assertSafe(String db, ModelEntry e) {
      long latest = Math.max(opOf("*flush"), opOf(db + "/*any"));
      for (String t : e.deps.allTables() ? TABLES : List.copyOf(e.deps.tables())) {
        latest = Math.max(latest, opOf(db + "/" + t));
      }
      assertThat(latest).as("op %d: served fill begun at op %d after an invalidation at op %d", op, e.startOp, latest)
          .isLessThan(e.startOp);
    }

    private Dependencies randomDependencies() {
      int dice = random.nextInt(10);
      if (dice == 0) {
        return Dependencies.ALL;
      }
      if (dice == 1) {
        return Dependencies.NONE;
      }
      Set<String> tables = new HashSet<>();
      do {
        tables.add(TABLES.get(random.nextInt(TABLES.size())));
      } while (random.nextInt(3) == 0);
      return new Dependencies(false, tables);
    }

    private long mark(String k) {
      return marks.getOrDefault(k, Long.MIN_VALUE);
    }

    private long opOf(String k) {
      return invalidatedAtOp.getOrDefault(k, 0L);
    }
  }
}
