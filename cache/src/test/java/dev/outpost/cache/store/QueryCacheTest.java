package dev.outpost.cache.store;

import static dev.outpost.cache.store.Fixtures.fill;
import static dev.outpost.cache.store.Fixtures.key;
import static dev.outpost.cache.store.Fixtures.lead;
import static dev.outpost.cache.store.Fixtures.marker;
import static dev.outpost.cache.store.Fixtures.result;
import static dev.outpost.cache.store.Fixtures.tables;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CacheStats;
import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.CachedResult;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.FillAbandonedException;
import dev.outpost.cache.FillTicket;
import dev.outpost.cache.Lookup;
import dev.outpost.cache.QueryCache;
import dev.outpost.cache.TableUsage;
import dev.outpost.cache.sql.TableRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QueryCacheTest {

  private final ManualTicker ticker = new ManualTicker();

  private QueryCache cache(long maxBytes, long maxEntrySize) {
    return QueryCacheBuilder.newBuilder()
        .maxBytes(maxBytes)
        .maxEntrySize(maxEntrySize)
        .ticker(ticker)
        .executor(Runnable::run)
        .sweeper(Runnable::run) // removals happen at once; the deferred sweep has tests of its own
        .nodeId("node-1")
        .maxFlightTime(Duration.ofSeconds(30))
        .build();
  }

  private QueryCache cache() {
    return cache(1 << 20, 64 * 1024);
  }

  @Test
  void lookup_emptyCache_isMiss() {
    assertThat(cache().lookup(key("SELECT 1")).status()).isEqualTo(CacheStatus.MISS);
  }

  @Test
  void lookup_afterCompletedFill_isHitWithSameBytes() {
    QueryCache cache = cache();
    fill(cache, key("SELECT 1"), "one", Dependencies.ofNames("t"));
    Lookup l = cache.lookup(key("SELECT 1"));
    assertThat(l.status()).isEqualTo(CacheStatus.HIT);
    assertThat(marker(l.result().orElseThrow())).isEqualTo("one");
    assertThat(cache.lookup(key("SELECT 2")).status()).isEqualTo(CacheStatus.MISS);
  }

  @Test
  void lookup_differentRole_doesNotSeeOtherRolesEntry() {
    QueryCache cache = cache();
    fill(cache, CacheKey.builder("db", "alice", "SELECT * FROM t").build(), "alice", Dependencies.ofNames("t"));
    assertThat(cache.lookup(CacheKey.builder("db", "bob", "SELECT * FROM t").build()).status())
        .isEqualTo(CacheStatus.MISS);
  }

  @Test
  void byteBound_afterInsertingTwiceMaxBytes_holds() {
    long maxBytes = 64 * 1024;
    QueryCache cache = cache(maxBytes, 8 * 1024);
    long inserted = 0;
    int i = 0;
    while (inserted < 2 * maxBytes) {
      CachedResult r = result(new byte[1000], ticker.nanos(), Dependencies.NONE);
      FillTicket.Leader leader = lead(cache, key("SELECT " + i++));
      assertThat(leader.complete(r)).isEqualTo(CacheStatus.MISS);
      inserted += r.weight();
    }
    CacheStats stats = cache.stats();
    assertThat(stats.bytes()).isLessThanOrEqualTo(maxBytes);
    assertThat(stats.evictions()).isPositive();
    assertThat(stats.entries()).isLessThan(i);
  }

  @Test
  void defaultExecutor_evictsOnTheFillingThread_soTheTableIndexIsExactAtOnce() {
    // built without an executor: Caffeine's maintenance and removal notifications must run on
    // the thread that fills (an event loop on a node), not later on a pool thread
    QueryCache cache = QueryCacheBuilder.newBuilder().maxBytes(16 * 1024).maxEntrySize(4 * 1024)
        .ticker(ticker).nodeId("node-1").build();
    for (int i = 0; i < 64; i++) {
      lead(cache, key("SELECT " + i)).complete(result(new byte[1000], ticker.nanos(), Dependencies.ofNames("t" + i)));
    }
    // topTables reads the index as the removal listener left it, without any clean-up first
    long indexed = cache.topTables(1000).stream().mapToLong(TableUsage::entries).sum();
    CacheStats stats = cache.stats();
    assertThat(stats.evictions()).isPositive();
    assertThat(indexed).isEqualTo(stats.entries());
  }

  @Test
  void limits_shrunkAtRunTime_evictDownToTheNewBoundAndRefuseLargerEntries() {
    QueryCache cache = cache(256 * 1024, 8 * 1024);
    for (int i = 0; i < 100; i++) {
      lead(cache, key("SELECT " + i)).complete(result(new byte[1000], ticker.nanos(), Dependencies.NONE));
    }
    assertThat(cache.stats().bytes()).isGreaterThan(32 * 1024);
    cache.limits(32 * 1024, 500);
    assertThat(cache.stats().bytes()).isLessThanOrEqualTo(32 * 1024);
    assertThat(lead(cache, key("SELECT big")).complete(result(new byte[1000], ticker.nanos(), Dependencies.NONE)))
        .isEqualTo(CacheStatus.OVERSIZED);
  }

  /** A sweeper that runs only when told to, to observe a cache between invalidation and sweep. */
  private static final class HeldSweeper implements java.util.concurrent.Executor {
    private final java.util.ArrayDeque<Runnable> queue = new java.util.ArrayDeque<>();

    @Override
    public void execute(Runnable r) {
      queue.add(r);
    }

    int runAll() {
      int n = 0;
      for (Runnable r; (r = queue.poll()) != null; n++) {
        r.run();
      }
      return n;
    }
  }

  private QueryCache cacheWith(HeldSweeper sweeper) {
    return QueryCacheBuilder.newBuilder().ticker(ticker).executor(Runnable::run).sweeper(sweeper).nodeId("node-1")
        .build();
  }

  @Test
  void invalidate_beforeTheSweep_entriesAreAlreadyUnreadable_andTheSweepRemovesOnlyThose() {
    HeldSweeper sweeper = new HeldSweeper();
    QueryCache cache = cacheWith(sweeper);
    fill(cache, key("SELECT 1 FROM orders"), "old", Dependencies.ofNames("orders"));
    fill(cache, key("SELECT 2 FROM orders, items"), "old", Dependencies.ofNames("orders", "items"));
    fill(cache, key("SELECT 3 FROM anything"), "old", Dependencies.ALL);
    fill(cache, key("SELECT 4 FROM items"), "kept", Dependencies.ofNames("items"));
    fill(cache, key("other", "SELECT 1 FROM orders"), "kept", Dependencies.ofNames("orders"));

    cache.invalidate("db", tables("orders"));

    // read-your-writes before any sweeping: the index and the map still hold the old entries
    assertThat(cache.topTables(10)).contains(new dev.outpost.cache.TableUsage("db", "orders", 2));
    fill(cache, key("SELECT 2 FROM orders, items"), "new", Dependencies.ofNames("orders", "items"));
    assertThat(cache.lookup(key("SELECT 1 FROM orders")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(cache.lookup(key("SELECT 3 FROM anything")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(marker(cache.lookup(key("SELECT 2 FROM orders, items")).result().orElseThrow()))
        .as("stored after the invalidation").isEqualTo("new");
    assertThat(marker(cache.lookup(key("SELECT 4 FROM items")).result().orElseThrow())).isEqualTo("kept");
    assertThat(marker(cache.lookup(key("other", "SELECT 1 FROM orders")).result().orElseThrow())).isEqualTo("kept");

    assertThat(sweeper.runAll()).isGreaterThan(0);
    assertThat(cache.stats().entries()).as("new entry under SELECT 2, SELECT 4, other db").isEqualTo(3);
    assertThat(cache.topTables(10)).containsExactlyInAnyOrder(new dev.outpost.cache.TableUsage("db", "items", 2),
        new dev.outpost.cache.TableUsage("db", "orders", 1), new dev.outpost.cache.TableUsage("other", "orders", 1));
    assertThat(marker(cache.lookup(key("SELECT 2 FROM orders, items")).result().orElseThrow())).isEqualTo("new");
  }

  @Test
  void manyInvalidations_beforeTheSweepRuns_queueOneSweep_thatRemovesWhatEachMadeUnreadable() {
    HeldSweeper sweeper = new HeldSweeper();
    QueryCache cache = cacheWith(sweeper);
    for (int i = 0; i < 5; i++) {
      fill(cache, key("SELECT " + i + " FROM t" + i), "x", Dependencies.ofNames("t" + i));
    }
    fill(cache, key("SELECT 9 FROM kept"), "kept", Dependencies.ofNames("kept"));
    for (int i = 0; i < 5; i++) {
      cache.invalidate("db", tables("t" + i));
    }
    assertThat(sweeper.queue).as("one sweep queued for five invalidations").hasSize(1);
    sweeper.runAll();
    assertThat(cache.stats().entries()).isEqualTo(1);
    assertThat(cache.topTables(10)).containsExactly(new dev.outpost.cache.TableUsage("db", "kept", 1));

    cache.invalidate("db", tables("kept"));
    assertThat(sweeper.queue).as("a later invalidation queues the next sweep").hasSize(1);
    sweeper.runAll();
    assertThat(cache.stats().entries()).isZero();
  }

  @Test
  void invalidateAllAndFlush_beforeTheSweep_entriesAreAlreadyUnreadable() {
    HeldSweeper sweeper = new HeldSweeper();
    QueryCache cache = cacheWith(sweeper);
    fill(cache, key("SELECT 1"), "1", Dependencies.ofNames("a"));
    fill(cache, key("other", "SELECT 1"), "2", Dependencies.ofNames("a"));

    cache.invalidateAll("db");
    assertThat(cache.lookup(key("SELECT 1")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(cache.lookup(key("other", "SELECT 1")).status()).isEqualTo(CacheStatus.HIT);

    cache.flush();
    cache.invalidate("unrelated", tables("x")); // a delivery after the flush: fills started now are admitted
    fill(cache, key("SELECT 9"), "after the flush", Dependencies.ofNames("a"));
    assertThat(cache.lookup(key("other", "SELECT 1")).status()).isEqualTo(CacheStatus.MISS);
    sweeper.runAll();
    assertThat(cache.stats().entries()).isEqualTo(1);
    assertThat(marker(cache.lookup(key("SELECT 9")).result().orElseThrow())).isEqualTo("after the flush");
    assertThat(cache.topTables(10)).containsExactly(new dev.outpost.cache.TableUsage("db", "a", 1));
  }

  @Test
  void topTables_countEntriesPerTable_mostFirst() {
    QueryCache cache = cache();
    fill(cache, key("SELECT 1 FROM a"), "1", Dependencies.ofNames("orders"));
    fill(cache, key("SELECT 2 FROM a"), "2", Dependencies.ofNames("orders", "items"));
    fill(cache, key("SELECT 3 FROM a"), "3", Dependencies.ofNames("orders"));
    assertThat(cache.topTables(10)).containsExactly(new dev.outpost.cache.TableUsage("db", "orders", 3),
        new dev.outpost.cache.TableUsage("db", "items", 1));
    assertThat(cache.topTables(1)).hasSize(1);
  }

  @Test
  void singleFlight_fiftyConcurrentMisses_exactlyOneLeader() throws Exception {
    QueryCache cache = cache();
    CacheKey key = key("SELECT * FROM hot");
    int threads = 50;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<FillTicket>> tickets = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        tickets.add(pool.submit(() -> {
          ready.countDown();
          go.await();
          return cache.begin(key);
        }));
      }
      ready.await();
      go.countDown();
      List<FillTicket.Leader> leaders = new ArrayList<>();
      List<FillTicket.Follower> followers = new ArrayList<>();
      for (Future<FillTicket> f : tickets) {
        FillTicket t = f.get(30, TimeUnit.SECONDS);
        if (t instanceof FillTicket.Leader l) {
          leaders.add(l);
        } else {
          followers.add((FillTicket.Follower) t);
        }
      }
      assertThat(leaders).hasSize(1);
      assertThat(followers).hasSize(threads - 1);
      leaders.get(0).complete(result("hot", leaders.get(0).startedAtNanos(), Dependencies.ofNames("hot")));
      for (FillTicket.Follower f : followers) {
        assertThat(marker(f.result().get(30, TimeUnit.SECONDS))).isEqualTo("hot");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * While the leader's fill is being stored, a request for the key finds the flight (and its
   * result) or the entry: the flight used to end before the fill was published, and a request in
   * between found neither and led a second execution at the origin.
   */
  @Test
  void singleFlight_requestWhileTheFillIsStored_joinsTheFlightOrHits() {
    CacheKey key = key("SELECT * FROM hot");
    List<String> seenDuringPublish = new ArrayList<>();
    QueryCache[] holder = new QueryCache[1];
    LocalCacheBus local = new LocalCacheBus();
    dev.outpost.cache.CacheBus probing = new dev.outpost.cache.CacheBus() {
      @Override
      public void bind(dev.outpost.cache.CacheEventSink sink) {
        local.bind(sink);
      }

      @Override
      public void publish(dev.outpost.cache.CacheEvent event) {
        if (event instanceof dev.outpost.cache.CacheEvent.Fill) {
          // another client's request for the key, just before the fill is stored
          boolean miss = holder[0].lookup(key).status() == CacheStatus.MISS;
          FillTicket t = holder[0].begin(key);
          seenDuringPublish.add(miss + " " + (t instanceof FillTicket.Follower f
              ? "follower " + marker(f.result().getNow(null)) : "leader"));
          if (t instanceof FillTicket.Leader second) {
            second.abandon();
          }
        }
        local.publish(event);
      }

      @Override
      public java.util.concurrent.CompletableFuture<Void> publishDelivered(
          dev.outpost.cache.CacheEvent.Invalidation invalidation) {
        return local.publishDelivered(invalidation);
      }
    };
    QueryCache cache = QueryCacheBuilder.newBuilder().ticker(ticker).executor(Runnable::run).sweeper(Runnable::run)
        .nodeId("node-1").bus(probing).build();
    holder[0] = cache;
    FillTicket.Leader leader = lead(cache, key);
    assertThat(leader.complete(result("hot", leader.startedAtNanos(), Dependencies.ofNames("hot"))))
        .isEqualTo(CacheStatus.MISS);
    assertThat(seenDuringPublish).containsExactly("true follower hot");
    assertThat(cache.lookup(key).status()).isEqualTo(CacheStatus.HIT);
    assertThat(cache.begin(key)).as("a later miss leads a new flight").isInstanceOf(FillTicket.Leader.class);
  }

  @Test
  void singleFlight_leaderAbandons_followersAreToldToGoToOrigin() {
    QueryCache cache = cache();
    FillTicket.Leader leader = lead(cache, key("SELECT 1"));
    FillTicket.Follower follower = (FillTicket.Follower) cache.begin(key("SELECT 1"));
    leader.abandon();
    assertThat(follower.result()).isCompletedExceptionally();
    assertThat(follower.result().handle((r, e) -> e).join()).isInstanceOf(FillAbandonedException.class);
    assertThat(cache.begin(key("SELECT 1"))).isInstanceOf(FillTicket.Leader.class);
  }

  @Test
  void singleFlight_followerTimingOutOnItsCopy_doesNotAffectOthers() {
    QueryCache cache = cache();
    FillTicket.Leader leader = lead(cache, key("SELECT 1"));
    FillTicket.Follower impatient = (FillTicket.Follower) cache.begin(key("SELECT 1"));
    FillTicket.Follower patient = (FillTicket.Follower) cache.begin(key("SELECT 1"));
    impatient.result().completeExceptionally(new java.util.concurrent.TimeoutException());
    leader.complete(result("r", leader.startedAtNanos(), Dependencies.NONE));
    assertThat(marker(patient.result().join())).isEqualTo("r");
  }

  @Test
  void singleFlight_leaderOlderThanMaxFlightTime_isReplaced() {
    QueryCache cache = cache();
    lead(cache, key("SELECT 1"));
    FillTicket.Follower waiting = (FillTicket.Follower) cache.begin(key("SELECT 1"));
    ticker.advance(Duration.ofSeconds(31));
    assertThat(cache.begin(key("SELECT 1"))).isInstanceOf(FillTicket.Leader.class);
    assertThat(waiting.result()).isCompletedExceptionally();
  }

  @Test
  void leader_finishingTwice_isIgnored() {
    QueryCache cache = cache();
    FillTicket.Leader leader = lead(cache, key("SELECT 1"));
    leader.complete(result("first", leader.startedAtNanos(), Dependencies.NONE));
    leader.abandon();
    leader.complete(result("second", leader.startedAtNanos(), Dependencies.NONE));
    assertThat(marker(cache.lookup(key("SELECT 1")).result().orElseThrow())).isEqualTo("first");
  }

  @Test
  void staleWhileRevalidate_staleServedWithExactlyOneRefresh() {
    QueryCache cache = cache();
    fill(cache, key("SELECT 1"), "old", Dependencies.ofNames("t"));
    ticker.advance(Duration.ofSeconds(9));
    assertThat(cache.lookup(key("SELECT 1")).status()).isEqualTo(CacheStatus.HIT);

    ticker.advance(Duration.ofSeconds(2)); // 11 s: past max-age 10 s, inside swr 5 s
    Lookup first = cache.lookup(key("SELECT 1"));
    Lookup second = cache.lookup(key("SELECT 1"));
    assertThat(first.status()).isEqualTo(CacheStatus.STALE);
    assertThat(marker(first.result().orElseThrow())).isEqualTo("old");
    assertThat(first.refresh()).isPresent();
    assertThat(second.status()).isEqualTo(CacheStatus.STALE);
    assertThat(second.refresh()).isEmpty();
    // A miss on the same key while the refresh runs waits for it instead of going to the origin.
    assertThat(cache.begin(key("SELECT 1"))).isInstanceOf(FillTicket.Follower.class);

    FillTicket.Leader refresh = first.refresh().orElseThrow();
    refresh.complete(result("new", refresh.startedAtNanos(), Dependencies.ofNames("t")));
    Lookup after = cache.lookup(key("SELECT 1"));
    assertThat(after.status()).isEqualTo(CacheStatus.HIT);
    assertThat(marker(after.result().orElseThrow())).isEqualTo("new");
  }

  @Test
  void staleWhileRevalidate_abandonedRefresh_letsTheNextStaleLookupRefresh() {
    QueryCache cache = cache();
    fill(cache, key("SELECT 1"), "old", Dependencies.NONE);
    ticker.advance(Duration.ofSeconds(11));
    cache.lookup(key("SELECT 1")).refresh().orElseThrow().abandon();
    assertThat(cache.lookup(key("SELECT 1")).refresh()).isPresent();
  }

  @Test
  void staleWhileRevalidate_pastWindow_isMiss() {
    QueryCache cache = cache();
    fill(cache, key("SELECT 1"), "old", Dependencies.NONE);
    ticker.advance(Duration.ofSeconds(15));
    assertThat(cache.lookup(key("SELECT 1")).status()).isEqualTo(CacheStatus.MISS);
  }

  @Test
  void race_fillStartedBeforeInvalidation_isDropped() {
    QueryCache cache = cache();
    FillTicket.Leader leader = lead(cache, key("SELECT * FROM orders"));
    cache.invalidate("db", tables("orders"));
    leader.complete(result("stale", leader.startedAtNanos(), Dependencies.ofNames("orders")));
    assertThat(cache.lookup(key("SELECT * FROM orders")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(cache.stats().fillsDropped()).isEqualTo(1);
  }

  @Test
  void race_fillStartedAfterInvalidation_isKept() {
    QueryCache cache = cache();
    cache.invalidate("db", tables("orders"));
    fill(cache, key("SELECT * FROM orders"), "fresh", Dependencies.ofNames("orders"));
    assertThat(cache.lookup(key("SELECT * FROM orders")).status()).isEqualTo(CacheStatus.HIT);
  }

  @Test
  void race_fillStartedBeforeInvalidationOfAnotherTable_isKept() {
    QueryCache cache = cache();
    FillTicket.Leader leader = lead(cache, key("SELECT * FROM orders"));
    cache.invalidate("db", tables("customers"));
    leader.complete(result("ok", leader.startedAtNanos(), Dependencies.ofNames("orders")));
    assertThat(cache.lookup(key("SELECT * FROM orders")).status()).isEqualTo(CacheStatus.HIT);
  }

  @Test
  void race_fillWithUnknownDependenciesStartedBeforeAnyInvalidation_isDropped() {
    QueryCache cache = cache();
    FillTicket.Leader leader = lead(cache, key("SELECT f()"));
    cache.invalidate("db", tables("anything"));
    leader.complete(result("stale", leader.startedAtNanos(), Dependencies.ALL));
    assertThat(cache.lookup(key("SELECT f()")).status()).isEqualTo(CacheStatus.MISS);
  }

  @Test
  void invalidation_detachesInFlightFill_laterCallerLeadsAnew() {
    QueryCache cache = cache();
    FillTicket.Leader before = lead(cache, key("SELECT * FROM orders"));
    cache.invalidate("db", tables("orders"));
    assertThat(cache.begin(key("SELECT * FROM orders"))).isInstanceOf(FillTicket.Leader.class);
    before.abandon();
  }

  @Test
  void invalidate_byTable_removesDependentsAndAllDependentsOnly() {
    QueryCache cache = cache();
    fill(cache, key("q-orders"), "o", Dependencies.ofNames("orders"));
    fill(cache, key("q-join"), "j", Dependencies.ofNames("orders", "customers"));
    fill(cache, key("q-customers"), "c", Dependencies.ofNames("customers"));
    fill(cache, key("q-unknown"), "u", Dependencies.ALL);
    fill(cache, key("q-none"), "n", Dependencies.NONE);
    fill(cache, key("other", "q-orders"), "other-db", Dependencies.ofNames("orders"));

    cache.invalidate("db", tables("orders"));

    assertThat(cache.lookup(key("q-orders")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(cache.lookup(key("q-join")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(cache.lookup(key("q-unknown")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(cache.lookup(key("q-customers")).status()).isEqualTo(CacheStatus.HIT);
    assertThat(cache.lookup(key("q-none")).status()).isEqualTo(CacheStatus.HIT);
    assertThat(cache.lookup(key("other", "q-orders")).status()).isEqualTo(CacheStatus.HIT);
  }

  @Test
  void invalidate_matchesBareNameIgnoringSchemaAndCase() {
    QueryCache cache = cache();
    fill(cache, key("q1"), "1", Dependencies.of(List.of(TableRef.of("sales", "Orders"))));
    cache.invalidate("db", List.of(TableRef.of("archive", "ORDERS")));
    assertThat(cache.lookup(key("q1")).status()).isEqualTo(CacheStatus.MISS);
  }

  @Test
  void invalidateAll_removesEveryEntryOfTheDatabaseOnly() {
    QueryCache cache = cache();
    fill(cache, key("q1"), "1", Dependencies.ofNames("a"));
    fill(cache, key("q2"), "2", Dependencies.NONE);
    fill(cache, key("other", "q1"), "3", Dependencies.ofNames("a"));
    cache.invalidateAll("db");
    assertThat(cache.lookup(key("q1")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(cache.lookup(key("q2")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(cache.lookup(key("other", "q1")).status()).isEqualTo(CacheStatus.HIT);
  }

  @Test
  void invalidateAll_dropsAnyFillOfTheDatabaseStartedBefore() {
    QueryCache cache = cache();
    FillTicket.Leader leader = lead(cache, key("q-none"));
    cache.invalidateAll("db");
    leader.complete(result("stale", leader.startedAtNanos(), Dependencies.NONE));
    assertThat(cache.lookup(key("q-none")).status()).isEqualTo(CacheStatus.MISS);
  }

  @Test
  void flush_dropsEverythingAndFillsStartedBefore() {
    QueryCache cache = cache();
    fill(cache, key("q1"), "1", Dependencies.ofNames("a"));
    fill(cache, key("other", "q2"), "2", Dependencies.NONE);
    FillTicket.Leader inFlight = lead(cache, key("q3"));
    cache.flush();
    inFlight.complete(result("3", inFlight.startedAtNanos(), Dependencies.NONE));
    assertThat(cache.lookup(key("q1")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(cache.lookup(key("other", "q2")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(cache.lookup(key("q3")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(cache.stats().entries()).isZero();
  }

  @Test
  void flush_laterFillsAreStoredAgain() {
    QueryCache cache = cache();
    cache.flush();
    fill(cache, key("q1"), "wasted", Dependencies.NONE); // sent before any delivery after the flush
    fill(cache, key("q1"), "kept", Dependencies.NONE);
    assertThat(marker(cache.lookup(key("q1")).result().orElseThrow())).isEqualTo("kept");
  }

  @Test
  void oversized_resultIsRefusedCountedAndFollowersSentToOrigin() {
    QueryCache cache = cache(1 << 20, 100);
    FillTicket.Leader leader = lead(cache, key("SELECT big"));
    FillTicket.Follower follower = (FillTicket.Follower) cache.begin(key("SELECT big"));
    CacheStatus status = leader.complete(result(new byte[101], leader.startedAtNanos(), Dependencies.NONE));
    cache.record(status);
    assertThat(status).isEqualTo(CacheStatus.OVERSIZED);
    assertThat(cache.lookup(key("SELECT big")).status()).isEqualTo(CacheStatus.MISS);
    assertThat(cache.stats().count(CacheStatus.OVERSIZED)).isEqualTo(1);
    assertThat(follower.result()).isCompletedExceptionally();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> follower.result().join())
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(FillAbandonedException.class);
  }

  @Test
  void oversized_exactlyAtLimit_isStored() {
    QueryCache cache = cache(1 << 20, 100);
    FillTicket.Leader leader = lead(cache, key("SELECT edge"));
    assertThat(leader.complete(result(new byte[100], leader.startedAtNanos(), Dependencies.NONE)))
        .isEqualTo(CacheStatus.MISS);
    assertThat(cache.lookup(key("SELECT edge")).status()).isEqualTo(CacheStatus.HIT);
  }

  @Test
  void record_countsEachStatusSeparately() {
    QueryCache cache = cache();
    cache.record(CacheStatus.HIT);
    cache.record(CacheStatus.HIT);
    cache.record(CacheStatus.WRITE);
    CacheStats s = cache.stats();
    assertThat(s.count(CacheStatus.HIT)).isEqualTo(2);
    assertThat(s.count(CacheStatus.WRITE)).isEqualTo(1);
    assertThat(s.count(CacheStatus.MISS)).isZero();
  }

  @Test
  void stats_reflectFillsInvalidationsAndSequence() {
    QueryCache cache = cache();
    fill(cache, key("q1"), "1", Dependencies.ofNames("a"));
    cache.invalidate("db", tables("a"));
    CacheStats s = cache.stats();
    assertThat(s.fillsStored()).isEqualTo(1);
    assertThat(s.invalidations()).isEqualTo(1);
    assertThat(s.deliveredSequence()).isEqualTo(2);
    assertThat(cache.deliveredSequence()).isEqualTo(2);
    assertThat(s.entries()).isZero();
  }

  @Test
  void busFailure_neverFailsTheCaller_andIsCounted() {
    QueryCache cache = QueryCacheBuilder.newBuilder().ticker(ticker).executor(Runnable::run)
        .bus(new dev.outpost.cache.CacheBus() {
          @Override
          public void bind(dev.outpost.cache.CacheEventSink sink) {}

          @Override
          public void publish(dev.outpost.cache.CacheEvent event) {
            throw new IllegalStateException("cluster down");
          }

          @Override
          public java.util.concurrent.CompletableFuture<Void> publishDelivered(
              dev.outpost.cache.CacheEvent.Invalidation invalidation) {
            throw new IllegalStateException("cluster down");
          }
        }).build();
    FillTicket.Leader leader = lead(cache, key("q"));
    assertThat(leader.complete(result("r", leader.startedAtNanos(), Dependencies.NONE))).isEqualTo(CacheStatus.MISS);
    var delivered = cache.invalidate("db", tables("t"));
    assertThat(delivered).as("a change feed must replay it").isCompletedExceptionally();
    assertThat(cache.stats().publishFailures()).isEqualTo(2);
    assertThat(cache.lookup(key("q")).status()).isEqualTo(CacheStatus.MISS);
  }
}
