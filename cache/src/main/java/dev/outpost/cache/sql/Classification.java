package dev.outpost.cache.sql;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The result of {@link StatementClassifier#classify(String)}: everything the proxy needs to route
 * a statement, decide whether it may be cached, and know what it invalidates.
 *
 * <p>For a multi-statement text ({@code statementCount > 1}) the fields combine conservatively:
 * the kind by {@link StatementKind#combine}, sets by union, booleans by OR, optionals by the first
 * present (locking by the strongest).
 *
 * <p>Table sets hold the relations named syntactically. Effects that SQL text cannot show — rules,
 * triggers, foreign-key cascades, views' base tables, functions that write — are the proxy's to
 * expand through the catalog. CTE names are never reported as tables.
 *
 * @param kind what the statement does
 * @param statementCount number of non-empty statements in the text
 * @param readTables relations the statement reads
 * @param writeTables relations the statement may change (including DDL targets)
 * @param writeTargetsUnknown true if the statement may change relations not in {@code writeTables}
 *     (DO, CALL, EXECUTE, COMMIT PREPARED, CASCADE, DDL on non-table objects, unknown verbs): the
 *     proxy must then invalidate the whole database
 * @param readTargetsUnknown true if the classifier could not determine every relation read: a
 *     cache entry for it must depend on the whole database
 * @param functionCalls catalog functions called (not grammar constructs; see {@link
 *     StatementClassifier}); precise for queries and DML, best effort for DDL
 * @param operators the operator names the text uses, as the server's lexer splits them ({@code =},
 *     {@code ||}, {@code ##>} …, also the one inside {@code OPERATOR(schema.op)}): an operator
 *     runs a catalog function too, and a user-defined one may be volatile
 * @param usesSqlValueFunction the text uses CURRENT_DATE, CURRENT_TIMESTAMP, LOCALTIME, USER, … or a
 *     string such as {@code 'now'} or {@code 'today'} that a date/time cast reads the clock for
 *     (see {@link TimeLiterals})
 * @param tableSample the text uses TABLESAMPLE (SYSTEM and BERNOULLI are random: volatile)
 * @param lockingClause the strongest FOR UPDATE/SHARE clause, if any
 * @param selectInto the text contains SELECT … INTO (creates a table)
 * @param dataModifyingCte the text contains a WITH whose CTE inserts, updates, deletes or merges
 * @param hints caching hints from comments
 * @param normalizedText the text without comments and with whitespace collapsed; the cache key
 * @param sessionScopedFeature a feature that cannot work under transaction pooling, if used
 * @param untrackedStateChange what in the text may change the session's settings or role in a way
 *     Outpost cannot follow — {@code set_config()}, a write to {@code pg_settings}, DO, CALL, SQL
 *     EXECUTE — if anything: results of the session may then depend on state no cache key holds,
 *     and a pooled backend must be reset before another client uses it
 * @param schemaChange a statement of the text changes the catalog: a write whose verb is not DML
 *     or maintenance, decided from the verb and the words after it, never from a constant;
 *     creating a temporary object is not one
 * @param malformed the text has an unterminated string, quoted identifier or comment; it will fail
 *     at the origin, and the classification has been made conservative (never READ)
 */
public record Classification(
    StatementKind kind,
    int statementCount,
    Set<TableRef> readTables,
    Set<TableRef> writeTables,
    boolean writeTargetsUnknown,
    boolean readTargetsUnknown,
    Set<FunctionRef> functionCalls,
    Set<String> operators,
    boolean usesSqlValueFunction,
    boolean tableSample,
    Optional<LockingStrength> lockingClause,
    boolean selectInto,
    boolean dataModifyingCte,
    Hints hints,
    String normalizedText,
    Optional<String> sessionScopedFeature,
    Optional<String> untrackedStateChange,
    boolean schemaChange,
    boolean malformed) {

  /** Validates and makes the sets immutable copies. */
  public Classification {
    Objects.requireNonNull(kind, "kind");
    if (statementCount < 0) {
      throw new IllegalArgumentException("negative statementCount");
    }
    if ((kind == StatementKind.EMPTY) != (statementCount == 0)) {
      throw new IllegalArgumentException("EMPTY iff no statements: " + kind + "/" + statementCount);
    }
    readTables = Set.copyOf(readTables);
    writeTables = Set.copyOf(writeTables);
    functionCalls = Set.copyOf(functionCalls);
    operators = Set.copyOf(operators);
    Objects.requireNonNull(lockingClause, "lockingClause");
    Objects.requireNonNull(hints, "hints");
    Objects.requireNonNull(normalizedText, "normalizedText");
    Objects.requireNonNull(sessionScopedFeature, "sessionScopedFeature");
    Objects.requireNonNull(untrackedStateChange, "untrackedStateChange");
  }

  /**
   * Whether a {@link #sessionScopedFeature()} is the creation of a temporary object (TEMP, or in
   * {@code pg_temp}): those features, and only those, name it so.
   */
  public static boolean isTemporaryObject(String feature) {
    return feature.contains("TEMPORARY") || feature.contains("temporary") || feature.contains("pg_temp");
  }

  /** True if the text holds more than one statement. */
  public boolean isMultiStatement() {
    return statementCount > 1;
  }

  /**
   * True if nothing visible in the text forbids caching: one READ statement, no locking clause,
   * no SQL value function, no TABLESAMPLE, not malformed, no {@code nocache} hint. The proxy must
   * still check {@link #functionCalls()} and {@link #operators()} against the catalog (only
   * IMMUTABLE functions allow caching) and the session and transaction state.
   */
  public boolean isCacheCandidate() {
    return kind == StatementKind.READ
        && statementCount == 1
        && lockingClause.isEmpty()
        && !selectInto
        && !dataModifyingCte
        && !usesSqlValueFunction
        && !tableSample
        && !malformed
        && !hints.bypass();
  }
}
