package dev.outpost.cache.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Classifier behaviour beyond the table: normalization, per-statement results, cacheability. */
class StatementClassifierTest {

  @Test
  void classify_normalizedText_ignoresCommentsAndWhitespace() {
    Classification a = StatementClassifier.classify("SELECT *\n  FROM t -- hi\nWHERE x = 'a  b'");
    Classification b = StatementClassifier.classify("/* x */ SELECT * FROM t WHERE x = 'a  b'   ");
    assertThat(a.normalizedText()).isEqualTo("SELECT * FROM t WHERE x = 'a  b'");
    assertThat(a.normalizedText()).isEqualTo(b.normalizedText());
  }

  @Test
  void classify_differentLiteralWhitespace_givesDifferentNormalizedText() {
    assertThat(StatementClassifier.classify("SELECT 'a b'").normalizedText())
        .isNotEqualTo(StatementClassifier.classify("SELECT 'a  b'").normalizedText());
  }

  @Test
  void classify_simpleRead_isCacheCandidate() {
    assertThat(StatementClassifier.classify("SELECT a FROM t WHERE id = $1").isCacheCandidate()).isTrue();
  }

  @Test
  void classify_readsThatMustNotBeCached_areNotCandidates() {
    for (String sql : List.of(
        "SELECT * FROM t FOR UPDATE", "SELECT current_date", "SELECT 1; SELECT 2",
        "SELECT * FROM t TABLESAMPLE system (1)", "SELECT 'x", "/* outpost:nocache */ SELECT 1",
        "SELECT * INTO x FROM t", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "INSERT INTO t VALUES (1)")) {
      assertThat(StatementClassifier.classify(sql).isCacheCandidate()).as(sql).isFalse();
    }
  }

  @Test
  void classifyEach_multiStatement_givesOneResultPerStatement() {
    List<Classification> parts =
        StatementClassifier.classifyEach("BEGIN; UPDATE t SET a = 1 /* outpost:nocache */; SELECT * FROM u; COMMIT");
    assertThat(parts).extracting(Classification::kind)
        .containsExactly(StatementKind.TRANSACTION, StatementKind.WRITE, StatementKind.READ, StatementKind.TRANSACTION);
    assertThat(parts.get(1).hints().bypass()).isTrue();
    assertThat(parts.get(2).hints().bypass()).isFalse();
    assertThat(parts.get(2).normalizedText()).isEqualTo("SELECT * FROM u");
    assertThat(parts).allSatisfy(p -> assertThat(p.statementCount()).isEqualTo(1));
  }

  @Test
  void classify_multiStatement_combinesConservatively() {
    Classification c = StatementClassifier.classify(
        "SELECT * FROM a FOR SHARE; SELECT now() FROM b FOR UPDATE; LISTEN x; DO $$ $$");
    assertThat(c.kind()).isEqualTo(StatementKind.WRITE);
    assertThat(c.statementCount()).isEqualTo(4);
    assertThat(c.lockingClause()).contains(LockingStrength.UPDATE);
    assertThat(c.readTables()).containsExactlyInAnyOrder(TableRef.of("a"), TableRef.of("b"));
    assertThat(c.functionCalls()).containsExactly(FunctionRef.of("now"));
    assertThat(c.sessionScopedFeature()).contains("LISTEN");
    assertThat(c.writeTargetsUnknown()).isTrue();
    assertThat(c.untrackedStateChange()).contains("DO");
  }

  @Test
  void classify_operators_areTheServersOperatorTokens_notTextInStringsOrComments() {
    assertThat(StatementClassifier.classify(
        "SELECT a ##> 1, b || '==>' , c OPERATOR(s1.@@@) d FROM t /* <<< */ WHERE x >= 2 -- !!").operators())
        .containsExactlyInAnyOrder("##>", "||", "@@@", ">=");
    // a trailing + or - is not part of an operator without a special character, as the server splits it
    assertThat(StatementClassifier.classify("SELECT 1 <=- 2, 3 @- 4").operators())
        .containsExactlyInAnyOrder("<=", "-", "@-");
    assertThat(StatementClassifier.classify("SELECT 1 ## 2; SELECT 3 %% 4").operators())
        .containsExactlyInAnyOrder("##", "%%");
    assertThat(StatementClassifier.classify("SELECT f(1, 'a=b')").operators()).isEmpty();
  }

  @Test
  void classify_untrackedStateChange_namesWhatMayChangeSettingsBehindOutpostsBack() {
    java.util.Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("SELECT set_config('role', 'alice', false)", "set_config()");
    cases.put("select PG_CATALOG.SET_CONFIG('search_path', 'x', false), 1", "set_config()");
    cases.put("SELECT * FROM t WHERE a = (SELECT set_config('x.y', '1', true))", "set_config()");
    cases.put("UPDATE pg_settings SET setting = 'x' WHERE name = 'search_path'", "a write to pg_settings");
    cases.put("DO $$ BEGIN EXECUTE 'SET ROLE alice'; END $$", "DO");
    cases.put("CALL my_proc(1)", "CALL");
    cases.put("EXECUTE p(1)", "EXECUTE");
    cases.put("SELECT 1; SELECT set_config('a.b', 'c', false)", "set_config()");
    // built-ins that run SQL given as text
    cases.put("SELECT query_to_xml('select set_config(''search_path'', ''x'', false)', false, false, '')",
        "query_to_xml()");
    cases.put("SELECT pg_catalog.table_to_xml('v', false, false, '')", "table_to_xml()");
    cases.put("SELECT * FROM ts_stat('select to_tsvector(body) from docs')", "ts_stat()");
    cases.forEach((sql, what) ->
        assertThat(StatementClassifier.classify(sql).untrackedStateChange()).as(sql).contains(what));
    for (String sql : new String[] {"SELECT 'set_config(x)' FROM t", "SELECT current_setting('role')",
        "SELECT * FROM my_schema.set_config(1)", "SELECT \"do\" FROM t", "-- set_config(1)\nSELECT 1",
        "SET search_path = a", "SELECT * FROM pg_settings"}) {
      assertThat(StatementClassifier.classify(sql).untrackedStateChange()).as(sql).isEmpty();
    }
  }

  @Test
  void classify_deeplyNestedParentheses_bailsOutConservatively() {
    String sql = "SELECT " + "(".repeat(5_000) + "1" + ")".repeat(5_000) + " FROM t";
    Classification c = StatementClassifier.classify(sql);
    assertThat(c.kind()).isNotEqualTo(StatementKind.READ);
    assertThat(c.readTargetsUnknown()).isTrue();
    assertThat(c.isCacheCandidate()).isFalse();
  }

  @Test
  void classify_nullText_isEmpty() {
    Classification c = StatementClassifier.classify(null);
    assertThat(c.kind()).isEqualTo(StatementKind.EMPTY);
    assertThat(c.statementCount()).isZero();
    assertThat(c.normalizedText()).isEmpty();
  }

  @Test
  void statementKind_combine_followsPrecedence() {
    assertThat(StatementKind.READ.combine(StatementKind.WRITE)).isEqualTo(StatementKind.WRITE);
    assertThat(StatementKind.SESSION.combine(StatementKind.TRANSACTION)).isEqualTo(StatementKind.SESSION);
    assertThat(StatementKind.OTHER.combine(StatementKind.READ)).isEqualTo(StatementKind.OTHER);
    assertThat(StatementKind.EMPTY.combine(StatementKind.READ)).isEqualTo(StatementKind.READ);
  }
}
