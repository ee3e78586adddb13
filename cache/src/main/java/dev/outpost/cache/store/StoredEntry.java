package dev.outpost.cache.store;

import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CachedResult;

/**
 * What the Caffeine map holds: a result under its key with its absolute expiry, the index slots it
 * belongs to, and the invalidation stamp current when it was stored (an invalidation of one of its
 * slots with a later stamp makes it unreadable at once, before it is physically removed). Equality
 * is identity on purpose — the dependency index and conditional removals must tell this stored
 * instance from a later one under the same key.
 */
final class StoredEntry {

  final CacheKey key;
  final CachedResult result;
  final long expiresAtNanos;
  final int weight;
  final IndexKey[] slots;
  final long storedStamp;

  StoredEntry(CacheKey key, CachedResult result, long expiresAtNanos, long storedStamp) {
    this.key = key;
    this.result = result;
    this.expiresAtNanos = expiresAtNanos;
    this.weight = (int) Math.min(Integer.MAX_VALUE, key.weight() + result.weight());
    this.slots = DependencyIndex.slotsOf(key.database(), result.dependencies());
    this.storedStamp = storedStamp;
  }

  String database() {
    return key.database();
  }
}
