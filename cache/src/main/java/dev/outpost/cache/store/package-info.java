/**
 * The query-result cache behind {@link dev.outpost.cache.QueryCache}: built with {@link
 * dev.outpost.cache.store.QueryCacheBuilder}, single-node ordering by {@link
 * dev.outpost.cache.store.LocalCacheBus}. Caffeine stays inside this package.
 */
package dev.outpost.cache.store;
