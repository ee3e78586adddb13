import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CachedResult;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.FillTicket;
import dev.outpost.cache.Freshness;
import dev.outpost.cache.QueryCache;
import dev.outpost.cache.sql.TableRef;
import dev.outpost.cache.store.QueryCacheBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * How long one invalidation holds the thread that applies it (a session's event loop, for a write
 * through the node), with the cache's removal work done inline on that thread: fill N entries that
 * depend on one table (plus N/10 on another), then time invalidating that table, and then the
 * whole database. Run (after {@code mvn -B -q install -DskipTests}):
 *
 * <pre>
 * java -cp cache/target/classes:$(ls ~/.m2/repository/com/github/ben-manes/caffeine/caffeine/3.2.3/*.jar) \
 *     bench/experiments/InvalidationPause.java 10000 100000 300000
 * </pre>
 */
public class InvalidationPause {
  public static void main(String[] args) {
    for (String arg : args) {
      int n = Integer.parseInt(arg);
      long[] table = new long[5];
      long[] all = new long[5];
      for (int round = 0; round < table.length; round++) {
        QueryCache cache = QueryCacheBuilder.newBuilder().maxBytes(4L << 30).build();
        fill(cache, n, "t", "app");
        fill(cache, n / 10, "other", "app2");
        long t0 = System.nanoTime();
        cache.invalidate("db", List.of(TableRef.of("t")));
        table[round] = System.nanoTime() - t0;
        fill(cache, n, "t", "app");
        t0 = System.nanoTime();
        cache.invalidateAll("db");
        all[round] = System.nanoTime() - t0;
      }
      java.util.Arrays.sort(table);
      java.util.Arrays.sort(all);
      System.out.printf("%,d entries on t (+%,d on other): invalidate t median %.1f ms (max %.1f),"
          + " invalidate database median %.1f ms (max %.1f)%n", n, n / 10, table[2] / 1e6, table[4] / 1e6,
          all[2] / 1e6, all[4] / 1e6);
    }
  }

  private static void fill(QueryCache cache, int n, String table, String role) {
    Freshness f = new Freshness(Duration.ofSeconds(60), Duration.ofSeconds(15));
    byte[] row = "row bytes of a small result".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < n; i++) {
      CacheKey key = CacheKey.builder("db", role, "SELECT v FROM " + table + " WHERE k = " + i).build();
      if (cache.begin(key) instanceof FillTicket.Leader leader) {
        leader.complete(CachedResult.builder(row).rowCount(1).dependencies(Dependencies.ofNames(table))
            .createdAtNanos(leader.startedAtNanos()).freshness(f).build());
      }
    }
  }
}
