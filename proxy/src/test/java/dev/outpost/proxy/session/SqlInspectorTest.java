package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The substring pre-filter that decides whether a statement needs the classifier at all. */
class SqlInspectorTest {
  private static final SqlInspector.Words WORDS = new SqlInspector.Words("listen", "advisory", "temp", "lock");

  @Test
  void mayMention_findsTheWordsInAnyCase() {
    assertThat(SqlInspector.mayMention("LISTEN orders", WORDS)).isTrue();
    assertThat(SqlInspector.mayMention("select pg_Advisory_lock(1)", WORDS)).isTrue();
    assertThat(SqlInspector.mayMention("CREATE TEMP TABLE t (a int)", WORDS)).isTrue();
    assertThat(SqlInspector.mayMention("select 1 -- listen", WORDS)).as("comments count: it is only a pre-filter").isTrue();
    assertThat(SqlInspector.mayMention("xxTeMp", WORDS)).isTrue();
    assertThat(SqlInspector.mayMention("lis lis listen", WORDS)).as("after partial matches").isTrue();
    assertThat(SqlInspector.mayMention("select 1 for update nowait LOCK", WORDS)).as("second word of a letter").isTrue();
    assertThat(SqlInspector.mayMention("SELECT 1 AS ADVISORY", WORDS)).as("at the very end").isTrue();
  }

  @Test
  void mayMention_isFalseWithoutTheWords() {
    assertThat(SqlInspector.mayMention("SELECT abalance FROM pgbench_accounts WHERE aid = $1", WORDS)).isFalse();
    assertThat(SqlInspector.mayMention("liste", WORDS)).isFalse();
    assertThat(SqlInspector.mayMention("", WORDS)).isFalse();
    assertThat(SqlInspector.mayMention("select 'advisor', 'tem', 'listed'", WORDS)).as("prefixes only").isFalse();
    assertThat(SqlInspector.mayMention("@[`{~\u00e1\u0131\u212a TEM", WORDS)).as("non-letters, non-ASCII").isFalse();
  }

  private static java.util.Optional<String> feature(String sql) {
    return SqlInspector.sessionScopedFeature(sql);
  }

  /** What the session consults, cache on or off: the cache service's classification. */
  private static java.util.Optional<String> stateChange(String sql) {
    return dev.outpost.cache.sql.StatementClassifier.classify(sql).untrackedStateChange();
  }

  @Test
  void sessionScopedFeature_isFoundForSessionStatements_only() {
    assertThat(feature("LISTEN orders")).isPresent();
    assertThat(feature("SELECT 'listen'")).isEmpty();
    assertThat(feature("SELECT 1")).isEmpty();
  }

  @Test
  void untrackedStateChange_isFoundWhateverTheCase_andNotInStringsOrOrdinaryReads() {
    assertThat(stateChange("select SET_CONFIG('role', 'x', false)")).contains("set_config()");
    assertThat(stateChange("Do $$ begin perform 1; end $$")).contains("DO");
    assertThat(stateChange("UPDATE pg_settings SET setting = 'a' WHERE name = 'search_path'"))
        .contains("a write to pg_settings");
    assertThat(stateChange("SELECT 'set_config(1)', documents FROM todo")).isEmpty();
    assertThat(stateChange("SELECT abalance FROM pgbench_accounts WHERE aid = $1")).isEmpty();
  }
}
