package dev.outpost.proxy.catalog;

/**
 * What the catalog says about every function of one name (all overloads, in every schema that
 * could match): the least safe volatility among them, and whether one of the volatile ones is
 * user-defined (outside pg_catalog), in which case a call may write any table.
 *
 * @param found at least one function of that name exists
 * @param volatility the least safe volatility (VOLATILE when none was found)
 * @param userVolatile a volatile overload lives outside pg_catalog
 * @param readsTables an overload is user code that may read tables the text does not name (see
 *     {@link CatalogInspector#MAY_READ_TABLES}): a cached result of a call must be invalidated by
 *     any write to its database
 */
public record FunctionFacts(boolean found, Volatility volatility, boolean userVolatile, boolean readsTables) {
  static final FunctionFacts UNKNOWN = new FunctionFacts(false, Volatility.VOLATILE, true, true);
}
