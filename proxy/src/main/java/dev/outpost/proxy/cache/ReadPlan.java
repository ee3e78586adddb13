package dev.outpost.proxy.cache;

import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.Freshness;
import java.util.Objects;

/**
 * Whether one read may be served from and stored in the cache, and if so with which dependencies
 * and freshness.
 *
 * @param refusal the status to record when the read must not be cached (BYPASS, VOLATILE,
 *     UNCACHEABLE, …), or null when it may be
 * @param reason why it may not be cached, for logs and the admin console
 * @param dependencies what the entry depends on (when cacheable)
 * @param freshness how long the entry is fresh, and stale-but-servable (when cacheable)
 * @param catalogGeneration the catalog generation the plan's facts were read in (see {@link
 *     CacheService#catalogChangedSince}): a result of a plan made before a schema change is not
 *     stored
 */
public record ReadPlan(CacheStatus refusal, String reason, Dependencies dependencies, Freshness freshness,
    long catalogGeneration) {

  public static ReadPlan refuse(CacheStatus status, String reason) {
    return new ReadPlan(Objects.requireNonNull(status), reason, null, null, 0);
  }

  public static ReadPlan cacheable(Dependencies deps, Freshness freshness, long catalogGeneration) {
    return new ReadPlan(null, null, Objects.requireNonNull(deps), Objects.requireNonNull(freshness),
        catalogGeneration);
  }

  public boolean isCacheable() {
    return refusal == null;
  }
}
