package dev.outpost.cache.sql;

import java.nio.charset.StandardCharsets;

/**
 * Date/time input strings whose meaning depends on when they are read: Postgres turns {@code
 * 'now'}, {@code 'today'}, {@code 'tomorrow'} and {@code 'yesterday'} (in any case, alone or with a
 * time, e.g. {@code 'tomorrow 10:00'}) into the current time when they are cast to a date/time
 * type, so a query with one in a literal or a parameter is as volatile as {@code now()}. Whether
 * the value is really cast to a date/time type is not known here; any string in which one of these
 * words stands as a run of letters of its own counts, whatever surrounds it and however long the
 * string is. Postgres's date/time parser takes any other character as a delimiter and skips any
 * amount of white space: {@code 'now()'}, {@code '(now)'}, {@code 'now_'}, {@code 'today;'} and
 * {@code 'now'} after a hundred spaces all read the clock. Over-caution costs a little hit rate
 * ({@code 'call me now'} counts too); a cached {@code 'now'} would be a wrong answer. Words that
 * only contain one ({@code 'known'}, {@code 'nowhere'}) do not count.
 */
public final class TimeLiterals {
  private static final String[] WORDS = {"now", "today", "tomorrow", "yesterday"};

  private TimeLiterals() {}

  /** Whether {@code s} may be a date/time input that means "relative to now". */
  public static boolean isRelative(String s) {
    byte[] ascii = s.getBytes(StandardCharsets.ISO_8859_1);
    return isRelative(ascii, 0, ascii.length);
  }

  /** Whether the text-format parameter bytes {@code [from, to)} may be such an input. */
  public static boolean isRelative(byte[] b, int from, int to) {
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
