package dev.outpost.cache.sql;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Remembers classifications by exact statement text, so that a statement a client runs over and
 * over is lexed once. Classification depends on nothing but the text, so entries never go stale;
 * the bound only limits memory. Thread-safe.
 */
public final class ClassificationCache {
  private final Cache<String, Classification> cache;

  /**
   * A cache holding at most {@code maxTexts} texts (least recently used go first); Caffeine's
   * maintenance runs on the calling thread (no hand-over to a pool thread per drain).
   */
  public ClassificationCache(long maxTexts) {
    this(maxTexts, Runnable::run);
  }

  /** Maintenance (evictions) runs on {@code executor}. */
  ClassificationCache(long maxTexts, java.util.concurrent.Executor executor) {
    this.cache = Caffeine.newBuilder().maximumSize(maxTexts).executor(executor).build();
  }

  /** The classification of {@code sql}, computed once per text. */
  public Classification classify(String sql) {
    Classification c = cache.getIfPresent(sql);
    if (c == null) {
      c = StatementClassifier.classify(sql);
      cache.put(sql, c);
    }
    return c;
  }

  /** Number of texts remembered (approximate). */
  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }
}
