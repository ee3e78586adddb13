package dev.outpost.cache.sql;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Caching hints found in the comments of a SQL text (DESIGN §6.7).
 *
 * <ul>
 *   <li>{@code outpost:nocache} sets {@link #bypass()}: neither read nor store.
 *   <li>{@code outpost:cache [max-age=DUR] [swr=DUR]} sets {@link #forceCache()} and the optional
 *       freshness overrides. Durations are {@code 500ms}, {@code 15s}, {@code 10m}, {@code 1h}
 *       (also {@code d}); {@code stale-while-revalidate=} is accepted for {@code swr=}.
 * </ul>
 *
 * <p>Hints may appear in any line or block comment anywhere in the text (text inside string
 * literals never counts). Bad hint text is ignored, never fatal: an unparsable duration drops just
 * that override. When both appear, {@code nocache} wins and {@link #forceCache()} is false.
 *
 * @param bypass the query must not be read from or stored in the cache
 * @param forceCache the query asked to be cached even if it would otherwise not be (never a write)
 * @param maxAge freshness override, if given and valid
 * @param staleWhileRevalidate stale-while-revalidate override, if given and valid
 */
public record Hints(
    boolean bypass, boolean forceCache, Optional<Duration> maxAge, Optional<Duration> staleWhileRevalidate) {

  /** No hints. */
  public static final Hints NONE = new Hints(false, false, Optional.empty(), Optional.empty());

  /** Validates: no nulls, no negative durations, and bypass excludes force. */
  public Hints {
    Objects.requireNonNull(maxAge, "maxAge");
    Objects.requireNonNull(staleWhileRevalidate, "staleWhileRevalidate");
    if (bypass && forceCache) {
      throw new IllegalArgumentException("bypass and forceCache are exclusive");
    }
    if (maxAge.filter(Duration::isNegative).isPresent()
        || staleWhileRevalidate.filter(Duration::isNegative).isPresent()) {
      throw new IllegalArgumentException("negative duration");
    }
  }

  /** Reads the hints of all comment tokens in {@code tokens}. */
  static Hints fromComments(List<Token> tokens) {
    HintParser parser = new HintParser();
    for (Token t : tokens) {
      if (t.type().isComment()) {
        parser.scan(t.value());
      }
    }
    return parser.result();
  }

  /**
   * Parses a duration such as {@code 500ms}, {@code 15s}, {@code 10m}, {@code 1h} or {@code 2d};
   * empty for anything else (including overflow). Shared with configuration parsing.
   */
  public static Optional<Duration> parseDuration(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String s = text.trim().toLowerCase(java.util.Locale.ROOT);
    int digits = 0;
    while (digits < s.length() && Character.isDigit(s.charAt(digits)) && s.charAt(digits) < 128) {
      digits++;
    }
    if (digits == 0 || digits > 12) {
      return Optional.empty();
    }
    long amount = Long.parseLong(s.substring(0, digits));
    return switch (s.substring(digits)) {
      case "ms" -> Optional.of(Duration.ofMillis(amount));
      case "s" -> Optional.of(Duration.ofSeconds(amount));
      case "m" -> Optional.of(Duration.ofMinutes(amount));
      case "h" -> Optional.of(Duration.ofHours(amount));
      case "d" -> Optional.of(Duration.ofDays(amount));
      default -> Optional.empty();
    };
  }
}
