package dev.outpost.cache.store;

import static dev.outpost.cache.store.Fixtures.key;
import static dev.outpost.cache.store.Fixtures.marker;
import static dev.outpost.cache.store.Fixtures.result;
import static dev.outpost.cache.store.Fixtures.tables;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.FillTicket;
import dev.outpost.cache.Lookup;
import dev.outpost.cache.QueryCache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Readers fill and read while a writer commits new versions of a table and invalidates after each
 * commit. Once an invalidation has returned, no reader may be served a version older than the one
 * it invalidated for — whatever the interleaving. Bounded iterations; no timing assumptions.
 *
 * <p>The writer waits for a reader to be served before its first version and after every
 * hundredth: with no pause, a busy machine could let it invalidate every fill before any lookup,
 * and the property would be checked on no hit at all (it failed so once, with 0 hits).
 */
class ConcurrentInvalidationTest {

  @Test
  void readers_neverSeeVersionOlderThanLastAcknowledgedWrite() throws Exception {
    QueryCache cache = QueryCacheBuilder.newBuilder().executor(Runnable::run).nodeId("n").build();
    CacheKey key = key("SELECT * FROM accounts");
    AtomicLong committed = new AtomicLong(); // the origin's current version
    AtomicLong acknowledged = new AtomicLong(); // versions whose invalidation has returned
    AtomicLong served = new AtomicLong(); // hits, all readers
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> readers = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        readers.add(pool.submit(() -> {
          long hits = 0;
          for (int i = 0; i < 20_000; i++) {
            long mustSee = acknowledged.get();
            Lookup l = cache.lookup(key);
            if (l.result().isPresent()) {
              hits++;
              served.incrementAndGet();
              assertThat(Long.parseLong(marker(l.result().get()))).isGreaterThanOrEqualTo(mustSee);
              continue;
            }
            FillTicket t = cache.begin(key);
            if (t instanceof FillTicket.Leader leader) {
              long version = committed.get(); // the query runs at the origin after begin()
              Thread.yield(); // the round trip back from the origin: let the writer in
              leader.complete(result(String.valueOf(version), leader.startedAtNanos(), Dependencies.ofNames("accounts")));
            }
          }
          return hits;
        }));
      }
      AtomicBoolean readersDone = new AtomicBoolean();
      Future<?> writer = pool.submit(() -> {
        for (long v = 1; !readersDone.get(); v++) {
          if (v % 100 == 1) {
            long before = served.get();
            while (served.get() == before && !readersDone.get()) {
              Thread.yield(); // no write meanwhile: the next fill is kept and the next lookup served
            }
          }
          committed.set(v);
          Thread.yield(); // between the commit and the proxy seeing ReadyForQuery
          cache.invalidate("db", tables("accounts"));
          acknowledged.set(v);
        }
      });
      long hits = 0;
      try {
        for (Future<Long> f : readers) {
          hits += f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        readersDone.set(true);
      }
      writer.get(60, TimeUnit.SECONDS);
      assertThat(hits).as("the cache served something at all").isPositive();
    } finally {
      pool.shutdownNow();
    }
  }
}
