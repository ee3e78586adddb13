package dev.outpost.cache.store;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CachedResult;

/**
 * What the Caffeine map holds: a result under its key with its absolute expiry. Equality is
 * identity on purpose — the dependency index and conditional removals must tell this stored
 * instance from a later one under the same key.
 */
final class StoredEntry {

  final CacheKey key;
  final CachedResult result;
  final long expiresAtNanos;
  final int weight;

  StoredEntry(CacheKey key, CachedResult result, long expiresAtNanos) {
    this.key = key;
    this.result = result;
    this.expiresAtNanos = expiresAtNanos;
    this.weight = (int) Math.min(Integer.MAX_VALUE, key.weight() + result.weight());
  }

  String database() {
    return key.database();
  }
}
