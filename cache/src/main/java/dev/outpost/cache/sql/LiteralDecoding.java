package dev.outpost.cache.sql;

import java.nio.charset.StandardCharsets;

/** How the server turns identifier and literal text into values; shared by {@link SqlLexer}. */
final class LiteralDecoding {

  /** Postgres truncates identifiers to NAMEDATALEN - 1 bytes. */
  private static final int MAX_IDENTIFIER_BYTES = 63;

  private LiteralDecoding() {}

  /** Lower-cases ASCII letters only, as the server does for identifiers in UTF-8 databases. */
  static String asciiLower(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        if (b == null) {
          b = new StringBuilder(s);
        }
        b.setCharAt(i, (char) (c + ('a' - 'A')));
      }
    }
    return b == null ? s : b.toString();
  }

  /** Truncates to at most 63 UTF-8 bytes without splitting a character, as the server does. */
  static String truncate(String name) {
    if (name.length() <= MAX_IDENTIFIER_BYTES / 4) {
      return name;
    }
    if (name.getBytes(StandardCharsets.UTF_8).length <= MAX_IDENTIFIER_BYTES) {
      return name;
    }
    int bytes = 0;
    int i = 0;
    while (i < name.length()) {
      int cp = name.codePointAt(i);
      int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + len > MAX_IDENTIFIER_BYTES) {
        break;
      }
      bytes += len;
      i += Character.charCount(cp);
    }
    return name.substring(0, i);
  }

  /** Decodes {@code \XXXX}, {@code \+XXXXXX} and {@code \\} with the default escape character. */
  static String decodeUnicodeEscapes(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 >= s.length()) {
        out.append(c);
        i++;
      } else if (s.charAt(i + 1) == '\\') {
        out.append('\\');
        i += 2;
      } else if (s.charAt(i + 1) == '+' && hexRun(s, i + 2, 6)) {
        appendCodePoint(out, s.substring(i + 2, i + 8));
        i += 8;
      } else if (hexRun(s, i + 1, 4)) {
        appendCodePoint(out, s.substring(i + 1, i + 5));
        i += 5;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  static boolean hexRun(String s, int from, int len) {
    if (from + len > s.length()) {
      return false;
    }
    for (int i = from; i < from + len; i++) {
      if (!SqlLexer.isHexDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  static void appendCodePoint(StringBuilder out, String hex) {
    long cp = Long.parseLong(hex, 16);
    if (cp <= Character.MAX_CODE_POINT) {
      out.appendCodePoint((int) cp);
    } else {
      out.append('\uFFFD');
    }
  }
}
