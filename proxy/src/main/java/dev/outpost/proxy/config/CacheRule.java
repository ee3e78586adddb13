package dev.outpost.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * One entry of {@code cache-rules:} (DESIGN §6.7): caching for queries that read a table, e.g.
 * {@code {table: public.sessions, cache: off}} or {@code {table: public.products, max-age: 10m}}.
 *
 * @param table the table the rule is about
 * @param enabled false to never cache queries that read the table
 * @param maxAge the table's max-age, or null for the node's {@code cache-max-age}
 * @param staleWhileRevalidate the table's stale-while-revalidate, or null for {@code cache-swr}
 */
public record CacheRule(TableName table, boolean enabled, Duration maxAge, Duration staleWhileRevalidate) {

  /** Rejects a missing table and negative durations. */
  public CacheRule {
    Objects.requireNonNull(table, "cache-rules: an entry has no table");
    Problems p = new Problems();
    p.check(maxAge == null || !maxAge.isNegative(), () -> "cache-rules[" + table + "].max-age: must not be negative");
    p.check(staleWhileRevalidate == null || !staleWhileRevalidate.isNegative(),
        () -> "cache-rules[" + table + "].swr: must not be negative");
    p.throwIfAny();
  }

  /** A rule that turns caching off for {@code table}. */
  public static CacheRule off(TableName table) {
    return new CacheRule(table, false, null, null);
  }

  /** A rule that sets the freshness of {@code table}. */
  public static CacheRule freshness(TableName table, Duration maxAge, Duration staleWhileRevalidate) {
    return new CacheRule(table, true, maxAge, staleWhileRevalidate);
  }

  /** The rule as written in the config file, for {@code SHOW CONFIG}. */
  public String describe() {
    StringBuilder b = new StringBuilder("{table: ").append(table).append(", cache: ").append(enabled ? "on" : "off");
    if (maxAge != null) {
      b.append(", max-age: ").append(ConfigValues.format(maxAge));
    }
    if (staleWhileRevalidate != null) {
      b.append(", swr: ").append(ConfigValues.format(staleWhileRevalidate));
    }
    return b.append('}').toString();
  }
}
