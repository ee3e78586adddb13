package dev.outpost.cache.sql;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Classifies SQL text for routing, caching and invalidation (DESIGN §6.1, §6.5), on top of {@link
 * SqlLexer}: nothing inside a string, dollar-quoted body, quoted identifier or comment is ever
 * mistaken for code, so {@code -- now()} and {@code 'now()'} do not matter.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>Never throws, for any input (malformed and adversarial text included); the result for
 *       unusual text errs towards "not cacheable" and "invalidate more".
 *   <li>A statement is {@link StatementKind#READ} only if it cannot change data: data-modifying
 *       CTEs, SELECT … INTO and EXPLAIN ANALYZE of a write are WRITE; unknown verbs are WRITE with
 *       unknown targets.
 *   <li>{@link Classification#functionCalls()} lists every name followed by {@code (} that calls a
 *       catalog function — aggregates such as count and sum included — and none of the grammar
 *       constructs that look like calls: COALESCE, NULLIF, GREATEST, LEAST, CAST, TREAT, EXTRACT,
 *       EXISTS, IN/ANY/ALL/SOME (…), ROW(…), ARRAY(…), VALUES (…), USING (…), ON CONFLICT (…),
 *       FILTER (…), OVER (…), WITHIN GROUP (…), GROUPING SETS/CUBE/ROLLUP (…) in GROUP BY,
 *       DISTINCT ON (…), column lists ({@code INSERT INTO t (…)}, {@code AS x(…)}, CTE column
 *       lists), TABLESAMPLE methods (reported as {@link Classification#tableSample()}) and type
 *       modifiers ({@code numeric(10,2)}, {@code varchar(20)}, {@code timestamp(3) with time
 *       zone}, {@code interval(2)}, {@code bit(8)}, {@code char(3)}, {@code float(24)}, …).
 *       OVERLAY, POSITION, SUBSTRING, TRIM and NORMALIZE map to immutable catalog functions and are
 *       not reported; EXTRACT on timestamptz depends only on TimeZone, which the cache key covers.
 *       XML and JSON constructors are reported under their own names (mostly unknown to {@code
 *       pg_proc}, hence treated as volatile): conservative.
 *   <li>{@link Classification#operators()} lists every operator token, built-in or not: only the
 *       catalog knows which of them a user defined (with what volatility).
 *   <li>Relation names are reported as written (see {@link TableRef}); CTE names never are.
 * </ul>
 */
public final class StatementClassifier {

  /** Statements that run code or a prepared statement the text does not show. */
  private static final List<String> CODE_RUNNING_VERBS = List.of("do", "call", "execute");

  private StatementClassifier() {}

  /** Classifies a whole text: one statement or several, combined conservatively. */
  public static Classification classify(String sql) {
    String text = sql == null ? "" : sql;
    List<Token> tokens = SqlLexer.tokenize(text);
    List<Classification> parts = classifyStatements(text, SqlStatements.splitTokens(tokens));
    Hints hints = Hints.fromComments(tokens);
    String normalized = SqlStatements.normalize(text, tokens);
    boolean malformed = tokens.stream().anyMatch(t -> !t.terminated());
    if (parts.isEmpty()) {
      return new Classification(
          StatementKind.EMPTY, 0, Set.of(), Set.of(), false, false, Set.of(), Set.of(), false, false,
          Optional.empty(), false, false, hints, normalized, Optional.empty(), Optional.empty(), false, malformed);
    }
    if (parts.size() == 1) {
      Classification only = parts.get(0);
      return new Classification(
          only.kind(), 1, only.readTables(), only.writeTables(), only.writeTargetsUnknown(),
          only.readTargetsUnknown(), only.functionCalls(), only.operators(), only.usesSqlValueFunction(),
          only.tableSample(), only.lockingClause(), only.selectInto(), only.dataModifyingCte(),
          hints, normalized, only.sessionScopedFeature(), only.untrackedStateChange(), only.schemaChange(),
          only.malformed() || malformed);
    }
    return combine(parts, hints, normalized, malformed);
  }

  /**
   * Classifies each statement of a text separately, in order; each result has {@code
   * statementCount == 1} and the hints and normalized text of its own statement. Empty for an
   * empty text.
   */
  public static List<Classification> classifyEach(String sql) {
    String text = sql == null ? "" : sql;
    return classifyStatements(text, SqlStatements.splitTokens(SqlLexer.tokenize(text)));
  }

  private static List<Classification> classifyStatements(String text, List<List<Token>> statements) {
    List<Classification> out = new ArrayList<>(statements.size());
    for (List<Token> statement : statements) {
      out.add(classifyOne(text, statement));
    }
    return out;
  }

  private static Classification classifyOne(String text, List<Token> statement) {
    List<Token> code = statement.stream().filter(t -> !t.type().isComment()).toList();
    Analysis a = StatementAnalyzer.analyze(code);
    boolean malformed = statement.stream().anyMatch(t -> !t.terminated());
    StatementKind kind = a.kind;
    boolean writeUnknown = a.writeTargetsUnknown;
    if (malformed) {
      // The origin will reject it; make sure nothing is cached and, should it somehow succeed,
      // everything it might have touched is invalidated.
      if (kind == StatementKind.READ) {
        kind = StatementKind.OTHER;
      }
      writeUnknown |= kind == StatementKind.WRITE;
    }
    Set<String> operators = new LinkedHashSet<>();
    for (Token t : code) {
      if (t.type() == TokenType.STRING && TimeLiterals.isRelative(t.value())) {
        a.sqlValueFunction = true; // 'now', 'today' … read the clock as CURRENT_TIMESTAMP does
      } else if (t.type() == TokenType.OPERATOR) {
        operators.add(t.value());
      }
    }
    String normalized = SqlStatements.normalize(text, statement);
    return new Classification(
        kind, 1, a.reads, a.writes, writeUnknown, a.readTargetsUnknown || malformed, a.functions, operators,
        a.sqlValueFunction, a.tableSample, Optional.ofNullable(a.locking), a.selectInto,
        a.dataModifyingCte, Hints.fromComments(statement), normalized,
        Optional.ofNullable(a.sessionScopedFeature), Optional.ofNullable(untrackedStateChange(code, a)),
        kind == StatementKind.WRITE && SchemaChanges.isSchemaChange(normalized), malformed);
  }

  /**
   * Built-in functions that run SQL they are given as text (or a table's or a whole schema's
   * reads, views included), which the classifier cannot see into.
   */
  private static final Set<String> SQL_RUNNING_FUNCTIONS = Set.of("query_to_xml", "query_to_xmlschema",
      "query_to_xml_and_xmlschema", "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema",
      "cursor_to_xml", "schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema", "database_to_xml",
      "database_to_xmlschema", "database_to_xml_and_xmlschema", "ts_stat", "ts_rewrite");

  /**
   * What in one statement may change session settings (or the role) behind Outpost's back: a call
   * of {@code set_config}, a write to {@code pg_settings} (its update rule calls set_config), or a
   * statement that runs code or a prepared statement the text does not show (DO, CALL, EXECUTE).
   */
  private static String untrackedStateChange(List<Token> code, Analysis a) {
    if (!code.isEmpty()) {
      for (String verb : CODE_RUNNING_VERBS) {
        if (code.get(0).isWord(verb)) {
          return verb.toUpperCase(java.util.Locale.ROOT);
        }
      }
    }
    for (FunctionRef f : a.functions) {
      if (f.schema() != null && !f.schema().equalsIgnoreCase("pg_catalog")) {
        continue;
      }
      if (f.name().equalsIgnoreCase("set_config")) {
        return "set_config()";
      }
      if (SQL_RUNNING_FUNCTIONS.contains(f.name().toLowerCase(java.util.Locale.ROOT))) {
        return f.name() + "()"; // runs SQL it is given as text, which may call set_config()
      }
    }
    for (TableRef t : a.writes) {
      if (t.name().equalsIgnoreCase("pg_settings")) {
        return "a write to pg_settings";
      }
    }
    return null;
  }

  private static Classification combine(
      List<Classification> parts, Hints hints, String normalized, boolean malformed) {
    StatementKind kind = StatementKind.EMPTY;
    Set<TableRef> reads = new LinkedHashSet<>();
    Set<TableRef> writes = new LinkedHashSet<>();
    Set<FunctionRef> functions = new LinkedHashSet<>();
    Set<String> operators = new LinkedHashSet<>();
    boolean writeUnknown = false;
    boolean readUnknown = false;
    boolean valueFunction = false;
    boolean sample = false;
    boolean into = false;
    boolean modifyingCte = false;
    LockingStrength locking = null;
    String sessionFeature = null;
    String stateChange = null;
    boolean schemaChange = false;
    for (Classification p : parts) {
      kind = kind.combine(p.kind());
      reads.addAll(p.readTables());
      writes.addAll(p.writeTables());
      functions.addAll(p.functionCalls());
      operators.addAll(p.operators());
      writeUnknown |= p.writeTargetsUnknown();
      readUnknown |= p.readTargetsUnknown();
      valueFunction |= p.usesSqlValueFunction();
      sample |= p.tableSample();
      into |= p.selectInto();
      modifyingCte |= p.dataModifyingCte();
      malformed |= p.malformed();
      schemaChange |= p.schemaChange();
      if (p.lockingClause().isPresent()) {
        locking = p.lockingClause().get().max(locking);
      }
      if (sessionFeature == null) {
        sessionFeature = p.sessionScopedFeature().orElse(null);
      }
      if (stateChange == null) {
        stateChange = p.untrackedStateChange().orElse(null);
      }
    }
    return new Classification(
        kind, parts.size(), reads, writes, writeUnknown, readUnknown, functions, operators, valueFunction,
        sample, Optional.ofNullable(locking), into, modifyingCte, hints, normalized,
        Optional.ofNullable(sessionFeature), Optional.ofNullable(stateChange), schemaChange, malformed);
  }
}
