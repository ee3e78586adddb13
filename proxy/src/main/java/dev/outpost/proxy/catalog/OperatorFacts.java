package dev.outpost.proxy.catalog;

import java.util.Map;
import java.util.Set;

/**
 * What the catalog of one database says about user-defined operators (those outside pg_catalog):
 * for every operator name that has at least one overload whose function is not IMMUTABLE, the
 * least safe volatility among them. Built-in operators are not listed; an operator name not listed
 * runs only immutable user code, or only built-in code, whatever its operand types.
 *
 * <p>The text of a query does not show its operands' types, so every overload of a name counts:
 * an extension's STABLE {@code %} (pg_trgm's similarity) makes every {@code %} look stable.
 * Conservative, like {@link FunctionFacts}.
 *
 * @param notImmutable operator name → least safe volatility of its user-defined overloads
 * @param readingTables names of operators with an overload whose function is user code that may
 *     read tables the text does not name (see {@link CatalogInspector#MAY_READ_TABLES})
 */
public record OperatorFacts(Map<String, Volatility> notImmutable, Set<String> readingTables) {
  /** Facts of a database without such operators. */
  public static final OperatorFacts NONE = new OperatorFacts(Map.of(), Set.of());

  public OperatorFacts {
    notImmutable = Map.copyOf(notImmutable);
    readingTables = Set.copyOf(readingTables);
  }

  /** Whether an operator named {@code name} may read tables the text does not name. */
  public boolean readsTables(String name) {
    return readingTables.contains(name);
  }

  /** The least safe volatility of the user-defined operators named {@code name}. */
  public Volatility volatility(String name) {
    return notImmutable.getOrDefault(name, Volatility.IMMUTABLE);
  }
}
