package dev.outpost.proxy.catalog;

import java.util.Map;

/**
 * User code of one database that a statement may run without calling it by name, when that code is
 * not IMMUTABLE:
 *
 * <ul>
 *   <li>the input and output functions of user-defined base types, which run for every value of
 *       the type a query reads or receives, and the functions of implicit user-defined casts, which
 *       Postgres applies where the text shows no cast — both count for every statement
 *       ({@link #everywhere});
 *   <li>the functions of explicit and assignment user-defined casts, and those in the CHECK
 *       constraints of user-defined domains, which a read runs only by converting to that type, so
 *       by naming it ({@link #named}, by the type's name). A write may run them without naming the
 *       type (a value stored into a column of it), so for writes they count everywhere too.
 * </ul>
 *
 * <p>Built-in casts and types are not listed: their stable input and output functions depend on
 * settings that are part of the cache key.
 *
 * @param everywhere the least safe volatility of the code any statement may run
 * @param named type name (as in the catalog) → the least safe volatility of the code a conversion
 *     to it runs
 */
public record ImplicitCodeFacts(Volatility everywhere, Map<String, Volatility> named) {
  /** Facts of a database without such code. */
  public static final ImplicitCodeFacts NONE = new ImplicitCodeFacts(Volatility.IMMUTABLE, Map.of());

  public ImplicitCodeFacts {
    named = Map.copyOf(named);
  }

  /**
   * The least safe volatility of the code a read with this text may run: the type names are
   * looked for as case-insensitive substrings, so a longer identifier or a string literal that
   * contains one counts too (over-caution, never a miss).
   */
  public Volatility forRead(String text) {
    Volatility v = everywhere;
    for (Map.Entry<String, Volatility> e : named.entrySet()) {
      if (e.getValue().compareTo(v) > 0 && containsIgnoreCase(text, e.getKey())) {
        v = e.getValue();
      }
    }
    return v;
  }

  /** The least safe volatility of the code a write may run. */
  public Volatility forWrite() {
    Volatility v = everywhere;
    for (Volatility n : named.values()) {
      v = v.max(n);
    }
    return v;
  }

  static boolean containsIgnoreCase(String text, String name) {
    int last = text.length() - name.length();
    for (int i = 0; i <= last; i++) {
      if (text.regionMatches(true, i, name, 0, name.length())) {
        return true;
      }
    }
    return false;
  }
}
