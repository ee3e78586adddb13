/**
 * Outpost's cache module: the contract the proxy and the cluster use. {@link
 * dev.outpost.cache.QueryCache} (look-up, single-flight, invalidation), its keys ({@link
 * dev.outpost.cache.CacheKey}), entries ({@link dev.outpost.cache.CachedResult}), the ordering SPI
 * ({@link dev.outpost.cache.CacheBus}, {@link dev.outpost.cache.CacheEvent}) and metrics ({@link
 * dev.outpost.cache.CacheStatus}, {@link dev.outpost.cache.CacheStats}). SQL classification lives
 * in {@code dev.outpost.cache.sql}, the implementation in {@code dev.outpost.cache.store}.
 *
 * <p>No type here knows about Netty, JGroups, JDBC or sockets.
 */
package dev.outpost.cache;
