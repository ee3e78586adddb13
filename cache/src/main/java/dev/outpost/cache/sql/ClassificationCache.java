package dev.outpost.cache.sql;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Remembers classifications by exact statement text, so that a statement a client runs over and
 * over is lexed once. Classification depends on nothing but the text, so entries never go stale;
 * the bound only limits memory, and it counts bytes, not texts: a bulk loader's distinct
 * megabyte-long INSERTs must not fill the heap (an entry holds its text twice, as the key and as
 * the normalized text). Beside them, {@linkplain #codeFacts code facts} by shape, in a quarter of
 * the bytes. Thread-safe.
 */
public final class ClassificationCache {
  private final Cache<String, Classification> cache;
  /** Code facts by shape (see {@link #codeFacts}), in a quarter of the bytes. */
  private final Cache<String, CodeFacts> shapes;

  /**
   * A cache holding at most about {@code maxBytes} of texts and classifications (least recently
   * used go first; a single text larger than that is classified but not kept); Caffeine's
   * maintenance runs on the calling thread (no hand-over to a pool thread per drain).
   */
  public ClassificationCache(long maxBytes) {
    this(maxBytes, Runnable::run);
  }

  /** Maintenance (evictions) runs on {@code executor}. */
  ClassificationCache(long maxBytes, java.util.concurrent.Executor executor) {
    this.cache = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String text, Classification c) -> weight(text, c))
        .executor(executor)
        .build();
    this.shapes = Caffeine.newBuilder()
        .maximumWeight(Math.max(1, maxBytes / 4))
        .weigher((String shape, CodeFacts f) -> shapeWeight(shape))
        .executor(executor)
        .build();
  }

  /** Bytes a shape's entry holds, at most: the shape (also the facts' mention text) and the objects. */
  static int shapeWeight(String shape) {
    long w = 256L + 2L * shape.length();
    return (int) Math.min(Integer.MAX_VALUE, w);
  }

  /** Bytes an entry holds, at most: both strings as UTF-16, plus the objects around them. */
  static int weight(String text, Classification c) {
    long w = 256L + 2L * text.length() + 2L * c.normalizedText().length();
    return (int) Math.min(Integer.MAX_VALUE, w);
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

  /**
   * The code facts of {@code sql}, by its {@linkplain SqlLexer#shape shape} — the text with every
   * numeric and string constant replaced by a placeholder and comments left out, much as
   * pg_stat_statements groups statements — classifying only the first text of each shape. A
   * client that sends its values inline ({@code WHERE id = 42}, then {@code 43} …) thus costs one
   * scan of the text per statement instead of a parse and a cache entry per text. The text itself
   * is not looked up: its own classification has the same facts as its shape. A text with an
   * unterminated or invalid token has no shape: it is classified as it is.
   */
  public CodeFacts codeFacts(String sql) {
    String text = sql == null ? "" : sql;
    String shape = SqlLexer.shape(text);
    if (shape == null) {
      return CodeFacts.of(classify(sql));
    }
    CodeFacts facts = shapes.getIfPresent(shape);
    if (facts == null) {
      facts = CodeFacts.of(StatementClassifier.classify(text)).mentioning(shape);
      shapes.put(shape, facts);
    }
    return facts;
  }

  /** Number of texts remembered (approximate). */
  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /** Bytes the remembered entries weigh (see {@link #weight}). */
  public long weightedBytes() {
    cache.cleanUp();
    return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }
}
