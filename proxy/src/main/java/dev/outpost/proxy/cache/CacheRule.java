package dev.outpost.proxy.cache;

import dev.outpost.cache.Dependencies;
import java.time.Duration;
import java.util.Objects;

/**
 * A per-table cache rule from the config ({@code cache-rules}): caching off for reads of the
 * table, or other freshness. Tables are matched by bare name, like dependencies.
 *
 * @param table the table, optionally schema-qualified (the schema is ignored for matching)
 * @param enabled false turns caching off for every read that depends on the table
 * @param maxAge overrides the default max-age when set
 * @param staleWhileRevalidate overrides the default stale-while-revalidate window when set
 */
public record CacheRule(String table, boolean enabled, Duration maxAge, Duration staleWhileRevalidate) {
  public CacheRule {
    Objects.requireNonNull(table, "table");
  }

  /** The bare, lower-cased name the rule applies to. */
  public String bareName() {
    int dot = table.lastIndexOf('.');
    return Dependencies.normalizeName(dot < 0 ? table : table.substring(dot + 1));
  }
}
