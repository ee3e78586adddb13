package dev.outpost.cache.sql;

import java.util.Set;

/**
 * Postgres keyword categories (from the server's {@code kwlist.h}), used to tell names from
 * grammar. Only the categories that restrict where a word may appear are listed; unreserved
 * keywords behave like ordinary names for our purposes.
 */
final class Keywords {

  /** Words that can never be a table, column or function name without quotes. */
  static final Set<String> RESERVED =
      Set.of(
          "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both",
          "case", "cast", "check", "collate", "column", "constraint", "create", "current_catalog",
          "current_date", "current_role", "current_time", "current_timestamp", "current_user",
          "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false",
          "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially",
          "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
          "null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
          "returning", "select", "session_user", "some", "symmetric", "system_user", "table",
          "then", "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when",
          "where", "window", "with");

  /** Words that may name a type or function but not a column or a bare alias. */
  static final Set<String> TYPE_FUNC_NAME =
      Set.of(
          "authorization", "binary", "collation", "concurrently", "cross", "current_schema",
          "freeze", "full", "ilike", "inner", "is", "isnull", "join", "left", "like", "natural",
          "notnull", "outer", "overlaps", "right", "similar", "tablesample", "verbose");

  /**
   * Words that may name a column but not a function: when one of them is followed by {@code (} it
   * is a grammar construct or a type with a type modifier, never a call of a catalog function.
   */
  static final Set<String> COL_NAME =
      Set.of(
          "between", "bigint", "bit", "boolean", "char", "character", "coalesce", "dec", "decimal",
          "exists", "extract", "float", "greatest", "grouping", "inout", "int", "integer",
          "interval", "json", "json_array", "json_arrayagg", "json_exists", "json_object",
          "json_objectagg", "json_query", "json_scalar", "json_serialize", "json_table",
          "json_value", "least", "merge_action", "national", "nchar", "none", "normalize",
          "nullif", "numeric", "out", "overlay", "position", "precision", "real", "row", "setof",
          "smallint", "substring", "time", "timestamp", "treat", "trim", "values", "varchar",
          "xmlattributes", "xmlconcat", "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces",
          "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable");

  private Keywords() {}

  static boolean isReserved(String lowerCaseWord) {
    return RESERVED.contains(lowerCaseWord);
  }
}
