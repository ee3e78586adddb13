package dev.outpost.cache.sql;

import static dev.outpost.cache.sql.ClassificationCase.Flag.LOCKING;
import static dev.outpost.cache.sql.ClassificationCase.Flag.MALFORMED;
import static dev.outpost.cache.sql.ClassificationCase.Flag.MODIFYING_CTE;
import static dev.outpost.cache.sql.ClassificationCase.Flag.MULTI;
import static dev.outpost.cache.sql.ClassificationCase.Flag.READ_UNKNOWN;
import static dev.outpost.cache.sql.ClassificationCase.Flag.SELECT_INTO;
import static dev.outpost.cache.sql.ClassificationCase.Flag.SESSION_SCOPED;
import static dev.outpost.cache.sql.ClassificationCase.Flag.TABLESAMPLE;
import static dev.outpost.cache.sql.ClassificationCase.Flag.VALUE_FUNCTION;
import static dev.outpost.cache.sql.ClassificationCase.Flag.WRITE_UNKNOWN;
import static dev.outpost.cache.sql.ClassificationCase.row;
import static dev.outpost.cache.sql.StatementKind.EMPTY;
import static dev.outpost.cache.sql.StatementKind.OTHER;
import static dev.outpost.cache.sql.StatementKind.SESSION;
import static dev.outpost.cache.sql.StatementKind.TRANSACTION;
import static dev.outpost.cache.sql.StatementKind.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The classifier table: each row is a SQL text and its complete expected classification (kind,
 * tables, functions, and every boolean fact — a flag not listed must be false).
 */
class StatementClassifierTableTest {

  static List<ClassificationCase> rows() {
    return List.of(
        // ---- literals, comments and the lexer
        row("classify_nowInLineComment_isIgnored", "SELECT a FROM t -- now()").reads("t"),
        row("classify_nowInBlockComment_isIgnored", "SELECT a /* now() */ FROM t").reads("t"),
        row("classify_nowInNestedBlockComment_isIgnored", "SELECT 1 /* a /* now() */ b */ + 2"),
        row("classify_callInString_isIgnored", "SELECT 'random()' FROM t").reads("t"),
        row("classify_callInEscapeStringAfterEscapedQuote_isIgnored", "SELECT E'\\' random()' FROM t").reads("t"),
        row("classify_escapedQuoteInEString_doesNotEndString", "SELECT E'\\'' || x FROM t").reads("t"),
        row("classify_callInDollarQuote_isIgnored", "SELECT $$ random() $$ FROM t").reads("t"),
        row("classify_callInTaggedDollarQuote_isIgnored", "SELECT $q$ random(); $$ $q$ FROM t").reads("t"),
        row("classify_nowInQuotedIdentifier_isIgnored", "SELECT \"now()\" FROM t").reads("t"),
        row("classify_nowCall_isAFunction", "SELECT now()").functions("now"),
        row("classify_prefixedStrings_areLiterals", "SELECT B'1010', X'FF', N'x', U&'\\0041' FROM t").reads("t"),
        row("classify_unicodeIdentifiers_keepTheirCharacters", "SELECT Ünï FROM Ünïcodetable").reads("Ünïcodetable"),
        row("classify_quotedOrderTable_keepsCase", "SELECT \"Order\".id FROM \"Order\"").reads("Order"),
        row("classify_quotedSchemaAndTable_keepCase", "SELECT 1 FROM \"MySchema\".\"Tab\"").reads("MySchema.Tab"),
        row("classify_unquotedMixedCase_isLowerCased", "SELECT 1 FROM Public.Orders").reads("public.orders"),
        row("classify_databaseQualifiedName_dropsCatalog", "SELECT 1 FROM db.s.t").reads("s.t"),

        // ---- reads
        row("classify_simpleSelect_isRead", "SELECT * FROM users WHERE id = $1").reads("users"),
        row("classify_values_isRead", "VALUES (1, 'a'), (2, 'b')"),
        row("classify_valuesWithCall_listsCall", "VALUES (1, now())").functions("now"),
        row("classify_tableStatement_readsTable", "TABLE s.t").reads("s.t"),
        row("classify_parenthesisedUnion_readsBoth", "(SELECT * FROM a) UNION ALL (SELECT * FROM b)").reads("a", "b"),
        row("classify_intersectExcept_readAll", "SELECT x FROM a INTERSECT SELECT x FROM b EXCEPT TABLE c").reads("a", "b", "c"),
        row("classify_joins_readAllSides",
            "SELECT * FROM a NATURAL JOIN b CROSS JOIN c FULL OUTER JOIN d USING (x) LEFT JOIN e ON e.x = d.x RIGHT OUTER JOIN f ON true")
            .reads("a", "b", "c", "d", "e", "f"),
        row("classify_commaJoinAfterOnCondition_readsNextTable", "SELECT * FROM a JOIN b ON a.x = b.x, c").reads("a", "b", "c"),
        row("classify_aliases_areNotTables", "SELECT o.id FROM orders o, customers AS c WHERE o.c = c.id").reads("orders", "customers"),
        row("classify_quotedAlias_isNotATable", "SELECT * FROM t AS \"a b\" WHERE \"a b\".x = 1").reads("t"),
        row("classify_onlyAndStar_readTheTable", "SELECT 1 FROM ONLY a, b *, ONLY (c)").reads("a", "b", "c"),
        row("classify_lateralSubquery_readsInnerTables",
            "SELECT * FROM a, LATERAL (SELECT * FROM b WHERE b.x = a.x) s").reads("a", "b"),
        row("classify_tableFunction_isACallNotATable",
            "SELECT * FROM generate_series(1, 10) g(i), unnest(ARRAY[1]) WITH ORDINALITY AS u(x, n)")
            .functions("generate_series", "unnest"),
        row("classify_rowsFrom_listsEachFunction",
            "SELECT * FROM ROWS FROM (f(1), g(2) AS (a int)) AS r(a, b)").functions("f", "g"),
        row("classify_columnDefinitionList_typeModifiersAreNotCalls",
            "SELECT * FROM json_to_record('{}') AS x(a int, b numeric(10,2), c mytype(3))")
            .functions("json_to_record"),
        row("classify_valuesInFrom_readsNothing", "SELECT * FROM (VALUES (1), (2)) AS v(a)"),
        row("classify_nestedSubqueries_readAllLevels",
            "SELECT a FROM t WHERE b IN (SELECT c FROM u WHERE d = (SELECT max(e) FROM v))")
            .reads("t", "u", "v").functions("max"),
        row("classify_scalarSubqueryInSelectList_readsItsTable",
            "SELECT (SELECT max(a) FROM t) AS m, count(*) FROM u").reads("t", "u").functions("max", "count"),
        row("classify_aggregates_areCatalogFunctions",
            "SELECT count(*), sum(x), avg(y), string_agg(z, ',' ORDER BY z) FROM t")
            .reads("t").functions("count", "sum", "avg", "string_agg"),
        row("classify_schemaQualifiedFunction_keepsSchema",
            "SELECT pg_catalog.lower(x), public.f(1) FROM t").reads("t").functions("pg_catalog.lower", "public.f"),
        row("classify_quotedFunctionName_keepsCase", "SELECT \"MyFunc\"(1)").functions("MyFunc"),
        row("classify_leftAndRightFunctions_areCalls", "SELECT left('abc', 2), right('abc', 1)").functions("left", "right"),
        row("classify_caseExpression_listsCallsInBranches",
            "SELECT CASE WHEN x THEN f(1) ELSE g(2) END FROM t").reads("t").functions("f", "g"),
        row("classify_orderByLimitOffset_stillReads",
            "SELECT * FROM t1 JOIN t2 USING (id) WHERE t1.x = lower(t2.y) ORDER BY 1 LIMIT 10 OFFSET 5")
            .reads("t1", "t2").functions("lower"),
        row("classify_fetchFirstWithTies_isRead", "SELECT * FROM t ORDER BY a FETCH FIRST 5 ROWS WITH TIES").reads("t"),
        row("classify_windowClause_listsCallsInSpec",
            "SELECT rank() OVER w FROM t WINDOW w AS (PARTITION BY f(y))").reads("t").functions("rank", "f"),

        // ---- constructs that look like calls but are not
        row("classify_conditionalExpressions_areNotFunctions",
            "SELECT coalesce(a, b), nullif(c, d), greatest(1, 2), least(3, 4) FROM t").reads("t"),
        row("classify_castAndExtract_areNotFunctions",
            "SELECT cast(x AS numeric(10,2)), extract(year FROM ts), treat(y AS int) FROM t").reads("t"),
        row("classify_stringSyntaxFunctions_areNotFunctions",
            "SELECT overlay('abc' placing 'x' from 2 for 1), position('b' in 'abc'), substring('abc' from 2 for 1), trim(both 'x' from 'xax')"),
        row("classify_subqueryPredicates_areNotFunctions",
            "SELECT exists(SELECT 1 FROM a), x IN (SELECT y FROM b), z = ANY(ARRAY[1, 2]), w = ALL (SELECT v FROM c), q = SOME (ARRAY[1])")
            .reads("a", "b", "c"),
        row("classify_rowAndArrayConstructors_areNotFunctions",
            "SELECT row(1, 2), ARRAY(SELECT 1 FROM c), ARRAY[1, 2][1]").reads("c"),
        row("classify_typmodCasts_areNotFunctions",
            "SELECT x::numeric(10,2), y::varchar(20), z::timestamp(3) with time zone, w::interval(2), b::bit(8), c::char(3), d::decimal(5), f::float(24), t::time(0) FROM s")
            .reads("s"),
        row("classify_multiWordTypes_areNotFunctions",
            "SELECT x::double precision, y::character varying(10), z::bit varying(8)[], w::interval day to second(3) FROM t")
            .reads("t"),
        row("classify_typedLiteralsWithTimeZone_areNotClauses",
            "SELECT timestamp with time zone '2004-10-19 10:23:54+02', interval '1' day FROM t").reads("t"),
        row("classify_quotedTypeWithModifier_isNotAFunction", "SELECT 1::\"MyType\"(3)"),
        row("classify_windowFilterWithinGroup_areNotFunctions",
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x), count(*) FILTER (WHERE y > 0), rank() OVER (PARTITION BY z ORDER BY w) FROM t")
            .reads("t").functions("percentile_cont", "count", "rank"),
        row("classify_groupingSetsCubeRollup_areNotFunctions",
            "SELECT a, grouping(a) FROM t GROUP BY GROUPING SETS ((a), (b)), CUBE (c), ROLLUP (d)").reads("t"),
        row("classify_cubeOutsideGroupBy_isTheExtensionFunction", "SELECT cube(1) FROM t").reads("t").functions("cube"),
        row("classify_distinctOnAndIsDistinctFrom_areNotFunctionsOrTables",
            "SELECT DISTINCT ON (a) a FROM t WHERE a IS DISTINCT FROM b AND c IS NOT DISTINCT FROM d ORDER BY a")
            .reads("t"),
        row("classify_insertColumnListOnConflictTarget_areNotFunctions",
            "INSERT INTO t (a, b) VALUES (1, 2) ON CONFLICT (a, lower(b)) DO UPDATE SET b = excluded.b RETURNING *")
            .kind(WRITE).writes("t"),
        row("classify_cteColumnList_isNotAFunction",
            "WITH x(a, b) AS (SELECT 1, 2) SELECT * FROM x"),
        row("classify_joinUsing_isNotAFunction", "SELECT * FROM a JOIN b USING (id)").reads("a", "b"),
        row("classify_forUpdateOf_isNotAFunction", "SELECT * FROM t FOR UPDATE OF t").reads("t").flags(LOCKING),
        row("classify_tableSample_flagsAndIsNotAFunction",
            "SELECT * FROM t TABLESAMPLE system (10) REPEATABLE (42)").reads("t").flags(TABLESAMPLE),
        row("classify_aliasedTableSample_flags", "SELECT * FROM t AS x TABLESAMPLE bernoulli (5)").reads("t").flags(TABLESAMPLE),
        row("classify_operatorSyntax_isNotAFunction", "SELECT 1 OPERATOR(pg_catalog.+) 2"),
        row("classify_xmlAndJsonConstructs_areReportedConservatively",
            "SELECT xmlelement(name foo), json_object('a': 1) FROM t").reads("t").functions("xmlelement", "json_object"),

        // ---- SQL value functions
        row("classify_currentDate_isValueFunction", "SELECT current_date").flags(VALUE_FUNCTION),
        row("classify_localtimestampWithPrecision_isValueFunction", "SELECT localtimestamp(3)").flags(VALUE_FUNCTION),
        row("classify_allValueFunctions_areValueFunctions",
            "SELECT current_time, current_timestamp(2), localtime, current_user, session_user, current_role, user, current_catalog, current_schema, system_user")
            .flags(VALUE_FUNCTION),
        row("classify_currentSchemaWithParens_isValueFunction", "SELECT current_schema()").flags(VALUE_FUNCTION),
        row("classify_quotedValueFunctionName_isAColumn", "SELECT \"current_user\", \"user\" FROM t").reads("t"),
        row("classify_valueFunctionNameAfterDot_isAColumn", "SELECT t.user, t.current_date FROM t").reads("t"),
        row("classify_nowLiteral_readsTheClock", "SELECT 'now'::timestamptz").flags(VALUE_FUNCTION),
        row("classify_todayLiteralInWhere_readsTheClock", "SELECT * FROM t WHERE d >= ' Today '").reads("t")
            .flags(VALUE_FUNCTION),
        row("classify_tomorrowWithTimeInEString_readsTheClock", "SELECT E'tomorrow 10:00'::timestamp")
            .flags(VALUE_FUNCTION),
        row("classify_dollarQuotedYesterday_readsTheClock", "SELECT $$yesterday$$::date").flags(VALUE_FUNCTION),
        row("classify_wordsThatOnlyContainNow_areNoTimeLiterals",
            "SELECT * FROM t WHERE s IN ('known', 'nowhere', 'epoch', 'snow-1', 'Nowadays') OR \"now\" = 1").reads("t"),
        // Postgres reads each of these as the current time: any other character delimits the word
        row("classify_nowWithParentheses_readsTheClock", "SELECT 'now()'::timestamptz").flags(VALUE_FUNCTION),
        row("classify_nowInParentheses_readsTheClock", "SELECT '(now)'::timestamptz").flags(VALUE_FUNCTION),
        row("classify_nowWithUnderscore_readsTheClock", "SELECT 'now_'::timestamptz").flags(VALUE_FUNCTION),
        row("classify_todayWithSemicolon_readsTheClock", "SELECT 'today;'::date").flags(VALUE_FUNCTION),
        row("classify_tomorrowWithHash_readsTheClock", "SELECT '[tomorrow#]'::date").flags(VALUE_FUNCTION),
        row("classify_nowQuotedInString_readsTheClock", "SELECT '''now'''::timestamptz").flags(VALUE_FUNCTION),
        row("classify_nowAfterLongPadding_readsTheClock",
            "SELECT '" + " ".repeat(200) + "now'::timestamptz").flags(VALUE_FUNCTION),

        // ---- CTEs
        row("classify_cteName_isNotATable", "WITH x AS (SELECT * FROM a) SELECT * FROM x").reads("a"),
        row("classify_materializedCtes_areReads",
            "WITH x AS MATERIALIZED (SELECT * FROM a), y AS NOT MATERIALIZED (SELECT * FROM x) SELECT * FROM y").reads("a"),
        row("classify_recursiveCte_selfReferenceIsNotATable",
            "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 10) SELECT * FROM t"),
        row("classify_nonRecursiveCteWithSameNameAsTable_readsTheTable",
            "WITH t AS (SELECT * FROM t) SELECT * FROM t").reads("t"),
        row("classify_laterCteSeesEarlierCte",
            "WITH a AS (SELECT 1), b AS (SELECT * FROM a JOIN real_table r ON true) SELECT * FROM b").reads("real_table"),
        row("classify_dataModifyingCte_isWrite",
            "WITH x AS (SELECT * FROM a), y AS (INSERT INTO b VALUES (1) RETURNING *) SELECT * FROM x, y")
            .kind(WRITE).reads("a").writes("b").flags(MODIFYING_CTE),
        row("classify_deleteCteFeedingInsert_writesBoth",
            "WITH d AS (DELETE FROM t RETURNING *) INSERT INTO archive SELECT * FROM d")
            .kind(WRITE).writes("t", "archive").flags(MODIFYING_CTE),
        row("classify_cteWithSearchClause_isRead",
            "WITH RECURSIVE t(id) AS (SELECT id FROM tree UNION ALL SELECT c.id FROM tree c JOIN t ON c.p = t.id) SEARCH DEPTH FIRST BY id SET ord SELECT * FROM t")
            .reads("tree"),

        // ---- locking and INTO
        row("classify_forShare_isLocking", "SELECT * FROM t WHERE x = $1 FOR SHARE").reads("t").flags(LOCKING),
        row("classify_forNoKeyUpdateNowait_isLocking", "SELECT * FROM t FOR NO KEY UPDATE NOWAIT").reads("t").flags(LOCKING),
        row("classify_forKeyShareSkipLocked_isLocking", "SELECT * FROM t FOR KEY SHARE SKIP LOCKED").reads("t").flags(LOCKING),
        row("classify_selectInto_isWriteOfNewTable", "SELECT * INTO newt FROM t")
            .kind(WRITE).reads("t").writes("newt").flags(SELECT_INTO),
        row("classify_selectIntoTemp_isSessionScoped", "SELECT a INTO TEMP newt FROM old")
            .kind(WRITE).reads("old").writes("newt").flags(SELECT_INTO, SESSION_SCOPED),

        // ---- DML
        row("classify_insertSelect_writesTargetReadsSource", "INSERT INTO t SELECT * FROM u WHERE u.x > 1")
            .kind(WRITE).reads("u").writes("t"),
        row("classify_insertOnConstraintDoNothing_writesTarget",
            "INSERT INTO s.t AS a (x) OVERRIDING SYSTEM VALUE VALUES (1) ON CONFLICT ON CONSTRAINT pk DO NOTHING")
            .kind(WRITE).writes("s.t"),
        row("classify_insertDefaultValues_writesTarget", "INSERT INTO t DEFAULT VALUES").kind(WRITE).writes("t"),
        row("classify_updateFrom_writesTargetReadsFrom", "UPDATE public.t AS x SET a = f(1) FROM u WHERE u.id = x.id")
            .kind(WRITE).reads("u").writes("public.t").functions("f"),
        row("classify_updateWithSubqueryAssignment_readsSubquery",
            "UPDATE t SET (a, b) = (SELECT x, y FROM u WHERE u.id = t.id) WHERE t.id = 1")
            .kind(WRITE).reads("u").writes("t"),
        row("classify_updateWhereCurrentOf_writesTarget", "UPDATE t SET a = 1 WHERE CURRENT OF c").kind(WRITE).writes("t"),
        row("classify_deleteUsing_writesTargetReadsUsing", "DELETE FROM ONLY t USING u WHERE t.id = u.id")
            .kind(WRITE).reads("u").writes("t"),
        row("classify_merge_writesTargetReadsSource",
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)")
            .kind(WRITE).reads("s").writes("t"),
        row("classify_truncate_writesAll", "TRUNCATE TABLE a, ONLY b").kind(WRITE).writes("a", "b"),
        row("classify_truncateCascade_hasUnknownTargets", "TRUNCATE a CASCADE").kind(WRITE).writes("a").flags(WRITE_UNKNOWN),
        row("classify_copyFrom_isWrite", "COPY t (a, b) FROM STDIN").kind(WRITE).writes("t"),
        row("classify_copyTo_isOtherRead", "COPY t TO STDOUT").kind(OTHER).reads("t"),
        row("classify_copyQueryTo_isOtherRead", "COPY (SELECT * FROM t) TO STDOUT").kind(OTHER).reads("t"),
        row("classify_copyDeleteReturningTo_isWrite", "COPY (DELETE FROM t RETURNING *) TO STDOUT").kind(WRITE).writes("t"),

        // ---- DDL and maintenance
        row("classify_createTable_writesIt", "CREATE TABLE t2 (a numeric(10,2) DEFAULT now(), b int REFERENCES other (id), PRIMARY KEY (a))")
            .kind(WRITE).writes("t2"),
        row("classify_createTableAs_readsQuery", "CREATE TABLE x AS SELECT * FROM y").kind(WRITE).reads("y").writes("x"),
        row("classify_createTempTable_isSessionScoped", "CREATE TEMP TABLE tt (a int)").kind(WRITE).writes("tt").flags(SESSION_SCOPED),
        row("classify_createTempTableOnCommitDrop_isNotSessionScoped", "CREATE TEMPORARY TABLE tt (a int) ON COMMIT DROP")
            .kind(WRITE).writes("tt"),
        row("classify_createTempView_isSessionScoped", "CREATE TEMP VIEW v AS SELECT 1").kind(WRITE).writes("v").flags(SESSION_SCOPED),
        row("classify_createTempSequence_isSessionScoped", "CREATE TEMPORARY SEQUENCE s").kind(WRITE).writes("s").flags(SESSION_SCOPED),
        // pg_temp as the schema makes an object as temporary as TEMP does
        row("classify_createTableInPgTemp_isSessionScoped", "CREATE TABLE pg_temp.tt (a int)").kind(WRITE)
            .writes("pg_temp.tt").flags(SESSION_SCOPED),
        row("classify_createSequenceInNumberedTempSchema_isSessionScoped", "CREATE SEQUENCE pg_temp_3.s").kind(WRITE)
            .writes("pg_temp_3.s").flags(SESSION_SCOPED),
        row("classify_createViewInPgTemp_isSessionScoped", "CREATE VIEW pg_temp.v AS SELECT 1").kind(WRITE)
            .writes("pg_temp.v").flags(SESSION_SCOPED),
        row("classify_createFunctionInPgTemp_isSessionScoped",
            "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$").kind(WRITE)
            .flags(WRITE_UNKNOWN, SESSION_SCOPED),
        row("classify_createTableInQuotedUpperCaseSchema_isNot", "CREATE TABLE \"PG_TEMP\".tt (a int)").kind(WRITE)
            .writes("PG_TEMP.tt"),
        row("classify_selectIntoPgTemp_isSessionScoped", "SELECT a INTO pg_temp.newt FROM old")
            .kind(WRITE).reads("old").writes("pg_temp.newt").flags(SELECT_INTO, SESSION_SCOPED),
        row("classify_createMaterializedView_readsQuery", "CREATE MATERIALIZED VIEW mv AS SELECT * FROM base")
            .kind(WRITE).reads("base").writes("mv"),
        row("classify_createPartition_writesParent", "CREATE TABLE p1 PARTITION OF parent FOR VALUES IN (1)")
            .kind(WRITE).writes("p1", "parent"),
        row("classify_createIndex_writesTable",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx ON ONLY public.t USING btree (lower(x))")
            .kind(WRITE).writes("public.t"),
        row("classify_createFunctionWithDollarBody_hasUnknownTargets",
            "CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT random() FROM t $$ LANGUAGE sql")
            .kind(WRITE).flags(WRITE_UNKNOWN),
        row("classify_alterTable_writesIt", "ALTER TABLE IF EXISTS ONLY t ADD COLUMN x int").kind(WRITE).writes("t"),
        row("classify_alterTableAttachPartition_writesBoth", "ALTER TABLE parent ATTACH PARTITION p2 FOR VALUES IN (2)")
            .kind(WRITE).writes("parent", "p2"),
        row("classify_dropTables_writesThem", "DROP TABLE IF EXISTS a, s.b").kind(WRITE).writes("a", "s.b"),
        row("classify_dropCascade_hasUnknownTargets", "DROP VIEW v CASCADE").kind(WRITE).writes("v").flags(WRITE_UNKNOWN),
        row("classify_dropFunction_hasUnknownTargets", "DROP FUNCTION f").kind(WRITE).flags(WRITE_UNKNOWN),
        row("classify_commentOnColumn_writesItsTable", "COMMENT ON COLUMN s.t.c IS 'x'").kind(WRITE).writes("s.t"),
        row("classify_grantOnTables_writesThem", "GRANT SELECT (a) ON t1, t2 TO bob").kind(WRITE).writes("t1", "t2"),
        row("classify_revokeOnAllTables_hasUnknownTargets", "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM bob")
            .kind(WRITE).flags(WRITE_UNKNOWN),
        row("classify_grantRole_hasUnknownTargets", "GRANT admin TO bob").kind(WRITE).flags(WRITE_UNKNOWN),
        row("classify_refreshMaterializedView_writesIt", "REFRESH MATERIALIZED VIEW CONCURRENTLY mv").kind(WRITE).writes("mv"),
        row("classify_call_hasUnknownTargets", "CALL p(now())").kind(WRITE).functions("p", "now").flags(WRITE_UNKNOWN),
        row("classify_do_hasUnknownTargets", "DO $$ BEGIN DELETE FROM t; END $$").kind(WRITE).flags(WRITE_UNKNOWN),
        row("classify_importForeignSchema_hasUnknownTargets", "IMPORT FOREIGN SCHEMA s FROM SERVER x INTO y")
            .kind(WRITE).flags(WRITE_UNKNOWN),
        row("classify_clusterTable_writesIt", "CLUSTER t USING idx").kind(WRITE).writes("t"),
        row("classify_reindexDatabase_hasUnknownTargets", "REINDEX DATABASE db").kind(WRITE).flags(WRITE_UNKNOWN),
        row("classify_vacuumFull_isWrite", "VACUUM (FULL, VERBOSE) t").kind(WRITE).writes("t"),
        row("classify_plainVacuum_isOther", "VACUUM ANALYZE t").kind(OTHER),
        row("classify_unknownVerb_isWriteWithUnknownTargets", "FROBNICATE t").kind(WRITE).flags(WRITE_UNKNOWN, READ_UNKNOWN),

        // ---- EXPLAIN
        row("classify_explainSelect_isOther", "EXPLAIN SELECT * FROM t").kind(OTHER).reads("t"),
        row("classify_explainAnalyzeDelete_isWrite", "EXPLAIN ANALYZE DELETE FROM t").kind(WRITE).writes("t"),
        row("classify_explainAnalyzeOptionUpdate_isWrite", "EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1").kind(WRITE).writes("t"),
        row("classify_explainAnalyzeFalseUpdate_isOther", "EXPLAIN (ANALYZE false) UPDATE t SET a = 1").kind(OTHER),

        // ---- transactions
        row("classify_begin_isTransaction", "BEGIN ISOLATION LEVEL SERIALIZABLE").kind(TRANSACTION),
        row("classify_startTransaction_isTransaction", "START TRANSACTION READ ONLY").kind(TRANSACTION),
        row("classify_endAndAbort_areTransaction", "END; ABORT").kind(TRANSACTION).flags(MULTI),
        row("classify_savepoints_areTransaction", "SAVEPOINT a; RELEASE SAVEPOINT a; ROLLBACK TO SAVEPOINT a")
            .kind(TRANSACTION).flags(MULTI),
        row("classify_prepareTransaction_isTransaction", "PREPARE TRANSACTION 'x'").kind(TRANSACTION),
        row("classify_commitPrepared_hasUnknownTargets", "COMMIT PREPARED 'x'").kind(TRANSACTION).flags(WRITE_UNKNOWN),
        row("classify_rollbackPrepared_isTransaction", "ROLLBACK PREPARED 'x'").kind(TRANSACTION),

        // ---- session
        row("classify_set_isSession", "SET search_path = public, \"My Schema\"").kind(SESSION),
        row("classify_setRole_isSessionScoped", "SET ROLE admin").kind(SESSION).flags(SESSION_SCOPED),
        row("classify_setLocalRole_isNotSessionScoped", "SET LOCAL ROLE admin").kind(SESSION),
        row("classify_setSessionAuthorization_isSessionScoped", "SET SESSION AUTHORIZATION bob").kind(SESSION).flags(SESSION_SCOPED),
        row("classify_setRoleAsVariable_isSessionScoped", "SET role = 'bob'").kind(SESSION).flags(SESSION_SCOPED),
        row("classify_listen_isSessionScoped", "LISTEN ch").kind(SESSION).flags(SESSION_SCOPED),
        row("classify_unlisten_isSession", "UNLISTEN *").kind(SESSION),
        row("classify_sqlPrepare_isSessionScoped", "PREPARE s (int) AS SELECT * FROM t WHERE id = $1").kind(SESSION).flags(SESSION_SCOPED),
        row("classify_execute_hasUnknownTargets", "EXECUTE s(1)").kind(SESSION).flags(WRITE_UNKNOWN),
        row("classify_resetDiscardDeallocateLoad_areSession", "RESET ALL; DISCARD ALL; DEALLOCATE s; LOAD 'x'")
            .kind(SESSION).flags(MULTI),
        row("classify_sessionAdvisoryLock_isSessionScoped", "SELECT pg_advisory_lock(1)")
            .functions("pg_advisory_lock").flags(SESSION_SCOPED),
        row("classify_tryAdvisoryLockShared_isSessionScoped", "SELECT pg_catalog.pg_try_advisory_lock_shared(1)")
            .functions("pg_catalog.pg_try_advisory_lock_shared").flags(SESSION_SCOPED),
        row("classify_transactionAdvisoryLock_isNotSessionScoped", "SELECT pg_advisory_xact_lock(1)")
            .functions("pg_advisory_xact_lock"),
        row("classify_advisoryUnlockAll_isNotSessionScoped", "SELECT pg_advisory_unlock_all()")
            .functions("pg_advisory_unlock_all"),
        row("classify_advisoryUnlock_isNotSessionScoped", "SELECT pg_catalog.pg_advisory_unlock_shared(1)")
            .functions("pg_catalog.pg_advisory_unlock_shared"),
        row("classify_declareWithHold_isSessionScoped", "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM t")
            .kind(OTHER).reads("t").flags(SESSION_SCOPED),
        row("classify_declareWithoutHold_isOther", "DECLARE c SCROLL CURSOR FOR SELECT * FROM t FOR UPDATE")
            .kind(OTHER).reads("t").flags(LOCKING),

        // ---- other
        row("classify_show_isOther", "SHOW search_path").kind(OTHER),
        row("classify_notify_isOther", "NOTIFY ch, 'x'").kind(OTHER),
        row("classify_lock_isOther", "LOCK TABLE t IN ACCESS EXCLUSIVE MODE").kind(OTHER),
        row("classify_cursorCommands_areOther", "FETCH NEXT FROM c; MOVE 5 IN c; CLOSE c; CHECKPOINT; ANALYZE t")
            .kind(OTHER).flags(MULTI),

        // ---- multi-statement and empty
        row("classify_twoSelects_isMultiRead", "SELECT 1 FROM a; SELECT 2 FROM b").reads("a", "b").flags(MULTI),
        row("classify_transactionWithUpdate_isMultiWrite", "BEGIN; UPDATE t SET a = 1; COMMIT")
            .kind(WRITE).writes("t").flags(MULTI),
        row("classify_setThenSelect_isSession", "SET x = 1; SELECT 1").kind(SESSION).flags(MULTI),
        row("classify_beginAtomicBody_isOneStatementThenNext",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3 FROM t")
            .kind(WRITE).reads("t").flags(WRITE_UNKNOWN, MULTI),
        row("classify_onlyComments_isEmpty", "/* outpost:nocache */ -- nothing").kind(EMPTY),
        row("classify_onlySemicolons_isEmpty", " ; ;; ").kind(EMPTY),

        // ---- malformed input: conservative
        row("classify_unterminatedString_isMalformedOther", "SELECT 'abc FROM t").kind(OTHER).flags(MALFORMED, READ_UNKNOWN),
        row("classify_unterminatedComment_isMalformedOther", "SELECT * FROM t /* no end").kind(OTHER).reads("t")
            .flags(MALFORMED, READ_UNKNOWN),
        row("classify_unterminatedStringInUpdate_hasUnknownTargets", "UPDATE t SET a = 'x").kind(WRITE).writes("t")
            .flags(MALFORMED, READ_UNKNOWN, WRITE_UNKNOWN),
        row("classify_unterminatedQuotedIdentifier_isMalformed", "SELECT * FROM \"t").kind(OTHER).reads("t")
            .flags(MALFORMED, READ_UNKNOWN),
        row("classify_garbageWhereTableBelongs_marksReadsUnknown", "SELECT * FROM 42").flags(READ_UNKNOWN));
  }

  static Stream<ClassificationCase> cases() {
    return rows().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void classify(ClassificationCase row) {
    row.verify();
  }

  @Test
  void table_hasAtLeastEightyDistinctRows() {
    List<ClassificationCase> rows = rows();
    assertThat(rows).hasSizeGreaterThanOrEqualTo(80);
    assertThat(rows.stream().map(r -> r.name).distinct().count()).isEqualTo(rows.size());
  }
}
