package dev.outpost.cache.store;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CachedResult;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.FillTicket;
import dev.outpost.cache.Freshness;
import dev.outpost.cache.QueryCache;
import dev.outpost.cache.sql.TableRef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** Small builders shared by the store tests. */
final class Fixtures {

  static final Freshness TEN_PLUS_FIVE = new Freshness(Duration.ofSeconds(10), Duration.ofSeconds(5));

  private Fixtures() {}

  static CacheKey key(String db, String sql) {
    return CacheKey.builder(db, "app", sql).build();
  }

  static CacheKey key(String sql) {
    return key("db", sql);
  }

  /** A result whose row bytes spell {@code marker}, so tests can tell results apart. */
  static CachedResult result(String marker, long createdAt, Dependencies deps) {
    return result(marker.getBytes(StandardCharsets.UTF_8), createdAt, deps);
  }

  static CachedResult result(byte[] rows, long createdAt, Dependencies deps) {
    return CachedResult.builder(rows).rowCount(1).dependencies(deps).createdAtNanos(createdAt)
        .freshness(TEN_PLUS_FIVE).build();
  }

  static String marker(CachedResult r) {
    var buf = r.rowsAndCompletion();
    byte[] b = new byte[buf.remaining()];
    buf.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  static List<TableRef> tables(String... names) {
    return Arrays.stream(names).map(TableRef::of).toList();
  }

  /** Begins as leader (failing if not) and completes with a result built at the ticket's start. */
  static FillTicket.Leader lead(QueryCache cache, CacheKey key) {
    FillTicket t = cache.begin(key);
    if (!(t instanceof FillTicket.Leader leader)) {
      throw new AssertionError("expected to lead " + key + " but got " + t);
    }
    return leader;
  }

  static void fill(QueryCache cache, CacheKey key, String marker, Dependencies deps) {
    FillTicket.Leader leader = lead(cache, key);
    leader.complete(result(marker, leader.startedAtNanos(), deps));
  }
}
