package dev.outpost.proxy.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the value formats operators write: durations ({@code 500ms}, {@code 15s}, {@code 10m},
 * {@code 1h}, {@code 0}) and sizes ({@code 512}, {@code 64KiB}, {@code 256MiB}, {@code 1GiB}).
 * Errors name the value and what is allowed.
 */
public final class ConfigValues {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kib|kb|k|mib|mb|m|gib|gb|g)?");

  private ConfigValues() {}

  /** Parses a duration; a bare number means seconds. */
  public static Duration duration(String text) {
    Matcher m = DURATION.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid duration '" + text
          + "': use a whole number with a unit, e.g. 500ms, 15s, 10m, 1h");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    switch (unit) {
      case "ms":
        return Duration.ofMillis(n);
      case "s":
        return Duration.ofSeconds(n);
      case "m":
        return Duration.ofMinutes(n);
      case "h":
        return Duration.ofHours(n);
      default:
        return Duration.ofDays(n);
    }
  }

  /** Parses a size in bytes; KiB/MiB/GiB (and KB/MB/GB, read as the same binary units). */
  public static long size(String text) {
    Matcher m = SIZE.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid size '" + text + "': use e.g. 65536, 64KiB, 256MiB, 1GiB");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    switch (unit) {
      case "b":
        return n;
      case "kib": case "kb": case "k":
        return Math.multiplyExact(n, 1024L);
      case "mib": case "mb": case "m":
        return Math.multiplyExact(n, 1024L * 1024);
      default:
        return Math.multiplyExact(n, 1024L * 1024 * 1024);
    }
  }

  /** Formats a duration the way it is written in config ({@code 15s}, {@code 500ms}). */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  /** Formats a byte count in the largest whole binary unit. */
  public static String formatSize(long bytes) {
    if (bytes > 0 && bytes % (1L << 30) == 0) {
      return bytes / (1L << 30) + "GiB";
    }
    if (bytes > 0 && bytes % (1L << 20) == 0) {
      return bytes / (1L << 20) + "MiB";
    }
    if (bytes > 0 && bytes % 1024 == 0) {
      return bytes / 1024 + "KiB";
    }
    return Long.toString(bytes);
  }
}
