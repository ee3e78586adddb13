package dev.outpost.cache.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlStatementsTest {

  @Test
  void split_topLevelSemicolons_separateStatements() {
    assertThat(SqlStatements.split("SELECT 1; SELECT 2 ;SELECT 3"))
        .containsExactly("SELECT 1", "SELECT 2", "SELECT 3");
  }

  @Test
  void split_semicolonsInLiteralsCommentsAndParens_doNotSplit() {
    String sql = "SELECT ';', $$;$$, \";\" /* ; */ -- ;\n, (SELECT 1; ) FROM t; SELECT 2";
    assertThat(SqlStatements.split(sql)).hasSize(2);
  }

  @Test
  void split_emptyStatementsAndCommentOnlyStatements_areDropped() {
    assertThat(SqlStatements.split(";;  ; SELECT 1;; /* only a comment */ ; -- trailing"))
        .containsExactly("SELECT 1");
  }

  @Test
  void split_commentBeforeStatement_staysWithIt() {
    assertThat(SqlStatements.split("SELECT 1; /* outpost:nocache */ SELECT 2"))
        .containsExactly("SELECT 1", "/* outpost:nocache */ SELECT 2");
  }

  @Test
  void split_beginAtomicBody_isOneStatement() {
    String fn =
        "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC "
            + "SELECT 1; SELECT CASE WHEN true THEN 1 END; END";
    assertThat(SqlStatements.split(fn + "; SELECT 2")).containsExactly(fn, "SELECT 2");
  }

  @Test
  void split_plainBeginTransaction_isItsOwnStatement() {
    assertThat(SqlStatements.split("BEGIN; SELECT 1; END")).containsExactly("BEGIN", "SELECT 1", "END");
  }

  @Test
  void split_unbalancedClosingParen_doesNotSwallowLaterStatements() {
    assertThat(SqlStatements.split("SELECT 1); SELECT 2")).hasSize(2);
  }

  @Test
  void normalize_commentsAndWhitespace_collapseToOneSpace() {
    assertThat(SqlStatements.normalize("  SELECT\n\t*  /* hi */ FROM -- x\n t  "))
        .isEqualTo("SELECT * FROM t");
  }

  @Test
  void normalize_textsDifferingOnlyInCommentsAndWhitespace_areEqual() {
    assertThat(SqlStatements.normalize("select a,b from t where x=1"))
        .isEqualTo(SqlStatements.normalize("select a,b/**/from t\nwhere x=1 -- c"));
  }

  @Test
  void normalize_literalAndQuotedIdentifierContent_isNeverChanged() {
    String sql = "SELECT '  a  /* b */ ', $$  x\n  y $$, \"  Odd  Name \" FROM t";
    assertThat(SqlStatements.normalize(sql)).isEqualTo(sql);
  }

  @Test
  void normalize_commentBetweenTokensWithoutSpace_keepsTokensApart() {
    assertThat(SqlStatements.normalize("SELECT a/**/b")).isEqualTo("SELECT a b");
  }

  @Test
  void normalize_stringContinuationAcrossNewline_keepsTheNewline() {
    assertThat(SqlStatements.normalize("SELECT 'a'\n   'b'")).isEqualTo("SELECT 'a'\n'b'");
  }
}
