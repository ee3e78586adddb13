package dev.outpost.proxy.cache;

import dev.outpost.cache.Dependencies;
import dev.outpost.cache.Freshness;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's caching policy: on or off, default freshness, entry size bounds and per-table rules
 * (DESIGN §6.4, §6.7). Immutable; a reload builds a new one.
 */
public final class CachePolicy {
  private final boolean enabled;
  private final Freshness defaults;
  private final long maxBytes;
  private final long maxEntrySize;
  private final Map<String, CacheRule> rules = new HashMap<>();

  public CachePolicy(boolean enabled, Duration maxAge, Duration swr, long maxBytes, long maxEntrySize,
      List<CacheRule> rules) {
    this.enabled = enabled;
    this.defaults = new Freshness(maxAge, swr);
    this.maxBytes = maxBytes;
    this.maxEntrySize = maxEntrySize;
    for (CacheRule r : rules) {
      this.rules.put(r.bareName(), r);
    }
  }

  /** Caching on, 60 s max-age, 15 s stale-while-revalidate, 256 MiB, 16 MiB per entry, no rules. */
  public static CachePolicy defaults() {
    return new CachePolicy(true, Duration.ofSeconds(60), Duration.ofSeconds(15), 256L << 20, 16L << 20, List.of());
  }

  public boolean enabled() {
    return enabled;
  }

  public Freshness defaultFreshness() {
    return defaults;
  }

  public long maxBytes() {
    return maxBytes;
  }

  public long maxEntrySize() {
    return maxEntrySize;
  }

  public java.util.Collection<CacheRule> rules() {
    return rules.values();
  }

  /** True when a rule turns caching off for one of the dependencies. */
  boolean disabledFor(Dependencies deps) {
    for (String t : deps.tables()) {
      CacheRule r = rules.get(t);
      if (r != null && !r.enabled()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Freshness for a result with these dependencies: the shortest max-age and window among its
   * tables, each table having its rule's values or the defaults (so a join of a table ruled to 10
   * minutes with an unruled one stays at the default).
   */
  Freshness freshnessFor(Dependencies deps) {
    Duration maxAge = null;
    Duration swr = null;
    for (String t : deps.tables()) {
      CacheRule r = rules.get(t);
      Duration a = r != null && r.maxAge() != null ? r.maxAge() : defaults.maxAge();
      Duration w = r != null && r.staleWhileRevalidate() != null ? r.staleWhileRevalidate()
          : defaults.staleWhileRevalidate();
      maxAge = maxAge == null || a.compareTo(maxAge) < 0 ? a : maxAge;
      swr = swr == null || w.compareTo(swr) < 0 ? w : swr;
    }
    if (maxAge == null || deps.allTables()) {
      return maxAge == null ? defaults : new Freshness(min(maxAge, defaults.maxAge()),
          min(swr, defaults.staleWhileRevalidate()));
    }
    return new Freshness(maxAge, swr);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
