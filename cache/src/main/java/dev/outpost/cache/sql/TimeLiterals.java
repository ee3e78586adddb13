package dev.outpost.cache.sql;

import java.nio.charset.StandardCharsets;

/**
 * Date/time input strings whose meaning depends on when they are read: Postgres turns {@code
 * 'now'}, {@code 'today'}, {@code 'tomorrow'} and {@code 'yesterday'} (in any case, alone or with a
 * time, e.g. {@code 'tomorrow 10:00'}) into the current time when they are cast to a date/time
 * type, so a query with one in a literal or a parameter is as volatile as {@code now()}. Whether
 * the value is really cast to a date/time type is not known here; any such word in a short string
 * made only of what date/time input may hold (letters, digits, spaces, {@code : . + - / ,}) counts
 * — over-caution costs a little hit rate, a cached {@code 'now'} would be a wrong answer. A string
 * such as {@code 'now()'} is no date/time input and does not count.
 */
public final class TimeLiterals {
  /** Longer strings are no date/time input Postgres would accept. */
  private static final int MAX_LENGTH = 64;
  private static final String[] WORDS = {"now", "today", "tomorrow", "yesterday"};

  private TimeLiterals() {}

  /** Whether {@code s} may be a date/time input that means "relative to now". */
  public static boolean isRelative(String s) {
    if (s.length() > MAX_LENGTH) {
      return false;
    }
    byte[] ascii = s.getBytes(StandardCharsets.ISO_8859_1);
    return isRelative(ascii, 0, ascii.length);
  }

  /** Whether the text-format parameter bytes {@code [from, to)} may be such an input. */
  public static boolean isRelative(byte[] b, int from, int to) {
    if (to - from > MAX_LENGTH) {
      return false;
    }
    for (int k = from; k < to; k++) {
      if (!isDateTimeChar(b[k])) {
        return false;
      }
    }
    int i = from;
    while (i < to) {
      if (!isLetter(b[i])) {
        i++;
        continue;
      }
      int start = i;
      while (i < to && isLetter(b[i])) {
        i++;
      }
      if (isWord(b, start, i)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isDateTimeChar(byte c) {
    return isLetter(c) || (c >= '0' && c <= '9') || c == ' ' || c == '\t' || c == '\n' || c == '\r'
        || c == ':' || c == '.' || c == '+' || c == '-' || c == '/' || c == ',';
  }

  private static boolean isLetter(byte c) {
    int lower = c | 0x20;
    return lower >= 'a' && lower <= 'z';
  }

  private static boolean isWord(byte[] b, int from, int to) {
    for (String w : WORDS) {
      if (w.length() != to - from) {
        continue;
      }
      boolean same = true;
      for (int k = 0; k < w.length() && same; k++) {
        same = (b[from + k] | 0x20) == w.charAt(k);
      }
      if (same) {
        return true;
      }
    }
    return false;
  }
}
