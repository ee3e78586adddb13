package dev.outpost.proxy.config;

import dev.outpost.cache.Freshness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The query cache's settings (DESIGN §6): on or off for the node, freshness defaults, size bounds
 * and per-table rules.
 *
 * <p>Guarantees: durations are not negative; {@code maxBytes} is at least 1 MiB; the largest
 * entry fits in the cache and in an {@code int}; the rules are an immutable list.
 *
 * @param enabled {@code cache}: false turns the cache off for the node
 * @param maxAge {@code cache-max-age}: how long an entry is served as fresh
 * @param staleWhileRevalidate {@code cache-swr}: how long after that it is served while one refresh runs
 * @param maxBytes {@code cache-max-bytes}: the bound on stored bytes
 * @param maxEntrySize {@code cache-max-entry-size}: larger results are not stored (OVERSIZED)
 * @param rules {@code cache-rules}: per-table exceptions
 */
public record CacheSettings(boolean enabled, Duration maxAge, Duration staleWhileRevalidate, long maxBytes,
    long maxEntrySize, List<CacheRule> rules) {

  /** The smallest {@code cache-max-bytes}. */
  public static final long MIN_MAX_BYTES = 1L << 20;
  /** The largest {@code cache-max-entry-size}: entries are addressed with {@code int} offsets. */
  public static final long MAX_ENTRY_SIZE_LIMIT = Integer.MAX_VALUE;

  /** Checks the guarantees of the class comment. */
  public CacheSettings {
    Objects.requireNonNull(maxAge, "cache-max-age");
    Objects.requireNonNull(staleWhileRevalidate, "cache-swr");
    Objects.requireNonNull(rules, "cache-rules");
    Problems p = new Problems();
    p.check(!maxAge.isNegative(), () -> "cache-max-age: must not be negative");
    p.check(!staleWhileRevalidate.isNegative(), () -> "cache-swr: must not be negative");
    p.check(maxBytes >= MIN_MAX_BYTES, () -> "cache-max-bytes: " + ConfigValues.formatSize(maxBytes)
        + " is too small (allowed: at least 1MiB)");
    p.check(maxEntrySize >= 1 && maxEntrySize <= Math.min(maxBytes, MAX_ENTRY_SIZE_LIMIT),
        () -> "cache-max-entry-size: " + ConfigValues.formatSize(maxEntrySize) + " is out of range (allowed: 1.."
            + ConfigValues.formatSize(Math.min(maxBytes, MAX_ENTRY_SIZE_LIMIT)) + ", at most cache-max-bytes)");
    List<String> seen = new ArrayList<>();
    for (CacheRule r : rules) {
      p.check(r != null, () -> "cache-rules: an entry is missing");
      if (r != null) {
        String t = r.table().toString();
        p.check(!seen.contains(t),
            () -> "cache-rules: table " + t + " has more than one rule (allowed: one per table)");
        seen.add(t);
      }
    }
    p.throwIfAny();
    rules = List.copyOf(rules);
  }

  /** DESIGN defaults: on, 60 s max-age, 15 s stale-while-revalidate, 256 MiB, 16 MiB per entry, no rules. */
  public static CacheSettings defaults() {
    return new CacheSettings(true, Duration.ofSeconds(60), Duration.ofSeconds(15), 256L << 20, 16L << 20, List.of());
  }

  /** The node's default freshness, in the cache module's terms. */
  public Freshness freshness() {
    return new Freshness(maxAge, staleWhileRevalidate);
  }

  /** The rules that may apply to a table a statement names ({@link TableName#matches}). */
  public List<CacheRule> rulesFor(String schema, String table) {
    List<CacheRule> out = new ArrayList<>();
    for (CacheRule r : rules) {
      if (r.table().matches(schema, table)) {
        out.add(r);
      }
    }
    return out;
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return defaults().toBuilder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.enabled = enabled;
    b.maxAge = maxAge;
    b.staleWhileRevalidate = staleWhileRevalidate;
    b.maxBytes = maxBytes;
    b.maxEntrySize = maxEntrySize;
    b.rules = rules;
    return b;
  }

  /** Mutable builder; {@link #build()} validates. */
  public static final class Builder {
    private boolean enabled;
    private Duration maxAge;
    private Duration staleWhileRevalidate;
    private long maxBytes;
    private long maxEntrySize;
    private List<CacheRule> rules;

    private Builder() {}

    public Builder enabled(boolean v) { enabled = v; return this; }
    public Builder maxAge(Duration v) { maxAge = v; return this; }
    public Builder staleWhileRevalidate(Duration v) { staleWhileRevalidate = v; return this; }
    public Builder maxBytes(long v) { maxBytes = v; return this; }
    public Builder maxEntrySize(long v) { maxEntrySize = v; return this; }
    public Builder rules(List<CacheRule> v) { rules = v; return this; }

    public CacheSettings build() {
      return new CacheSettings(enabled, maxAge, staleWhileRevalidate, maxBytes, maxEntrySize, rules);
    }
  }
}
