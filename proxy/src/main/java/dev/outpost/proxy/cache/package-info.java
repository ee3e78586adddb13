/**
 * The node's side of the query cache (DESIGN §6): which statements may be served from the cache
 * and with which dependencies and freshness ({@link dev.outpost.proxy.cache.CacheService}), and
 * what a committed write invalidates. The cache itself lives in the {@code cache} module; the
 * per-client flow (look-up, single-flight, capture, replay) lives in {@code proxy.session}.
 */
package dev.outpost.proxy.cache;
