package dev.outpost.proxy.session;

import dev.outpost.cache.sql.SqlLexer;
import dev.outpost.cache.sql.Token;
import dev.outpost.cache.sql.TokenType;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * DateStyle is the one setting whose new value merges into the one in force: {@code SET datestyle
 * = 'ISO'} changes the output format and keeps the field order (DMY or MDY), {@code 'DMY'} the
 * reverse, and {@code 'German'} also sets DMY unless the value names an order. So the command a
 * client sent is not what another backend must run to end up where the client's backend is, nor
 * a fair part of a cache key (the node replayed {@code 'ISO'} alone, and month-first dates came
 * back to a day-first session, from the origin and from the cache). This folds the client's
 * DateStyle commands into one canonical command that leaves any backend with the same value: both
 * parts when both are known, else a RESET to the server's default and the part that is known.
 */
final class DateStyles {
  private static final Set<String> STYLES = Set.of("iso", "sql", "postgres", "german");
  private static final Map<String, String> ORDERS = Map.of("ymd", "YMD", "dmy", "DMY", "euro", "DMY",
      "european", "DMY", "mdy", "MDY", "us", "MDY", "noneuro", "MDY", "noneuropean", "MDY");
  private static final String RESET = "RESET datestyle";
  private static final String SET = "SET datestyle = '";

  private DateStyles() {}

  /**
   * The canonical command for a backend whose DateStyle was set by {@code previous} (a canonical
   * command, or null for the server's default) and then by {@code SET datestyle = valueSql}; null
   * when either is not understood (the caller keeps the client's own command). {@code reset} is the
   * session's reset value (its startup DateStyle as a canonical command, or null for the server's
   * default): what the word {@code DEFAULT} in a value stands for.
   */
  static String after(String previous, String valueSql, String reset) {
    String[] parts = previous == null ? new String[2] : parts(previous);
    String[] resetParts = reset == null ? new String[2] : parts(reset);
    String text = unquote(valueSql);
    if (parts == null || resetParts == null || text == null) {
      return null;
    }
    String style = parts[0];
    String order = parts[1];
    boolean styleGiven = false;
    boolean orderGiven = false;
    for (String token : text.split("[\\s,]+")) {
      String t = token.toLowerCase(Locale.ROOT);
      if (t.isEmpty()) {
        continue;
      }
      if (STYLES.contains(t)) {
        style = t.toUpperCase(Locale.ROOT);
        styleGiven = true;
        if (t.equals("german") && !orderGiven) {
          order = "DMY";
        }
      } else if (ORDERS.containsKey(t)) {
        order = ORDERS.get(t);
        orderGiven = true;
      } else if (t.equals("default")) {
        // the parts not given so far come from the reset value (check_datestyle)
        if (!styleGiven) {
          style = resetParts[0];
        }
        if (!orderGiven) {
          order = resetParts[1];
        }
      } else {
        return null;
      }
    }
    if (style == null && order == null) {
      return RESET;
    }
    if (style != null && order != null) {
      return SET + style + ", " + order + "'";
    }
    return RESET + "; " + SET + (style != null ? style : order) + "'";
  }

  /** Style and order of a canonical command (each null when it leaves the server's default), or null. */
  private static String[] parts(String canonical) {
    if (canonical.equals(RESET)) {
      return new String[2];
    }
    int at = canonical.indexOf(SET);
    if (at < 0 || !canonical.endsWith("'") || (at > 0 && !canonical.startsWith(RESET + "; "))) {
      return null;
    }
    String[] parts = new String[2];
    for (String token : canonical.substring(at + SET.length(), canonical.length() - 1).split(", ")) {
      if (STYLES.contains(token.toLowerCase(Locale.ROOT))) {
        parts[0] = token;
      } else if (ORDERS.containsValue(token)) {
        parts[1] = token;
      } else {
        return null;
      }
    }
    return parts;
  }

  /**
   * The words of an SQL value list ({@code 'ISO', 'DMY'} is as valid as {@code 'ISO, DMY'}): the
   * contents of its strings and its bare words, joined by commas, as the lexer reads them; null
   * when a string is not closed.
   */
  private static String unquote(String valueSql) {
    StringJoiner out = new StringJoiner(",");
    for (Token t : SqlLexer.tokenize(valueSql)) {
      if (!t.terminated()) {
        return null;
      }
      if (t.type() == TokenType.STRING || t.type() == TokenType.IDENTIFIER) {
        out.add(t.value());
      }
    }
    return out.toString();
  }
}
