package dev.outpost.cache.sql;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A tolerant recursive-descent walk over queries and DML (SELECT, VALUES, TABLE, WITH, INSERT,
 * UPDATE, DELETE, MERGE) that records into an {@link Analysis} which relations are read and
 * written and which clauses matter to the cache. FROM lists are {@link FromClauseParser}'s,
 * expressions {@link ExpressionScanner}'s.
 *
 * <p>It is not a validating parser: it follows the grammar where it must to tell a table from an
 * alias, a CTE, a column list or a type modifier, and otherwise scans token by token. Every loop
 * consumes at least one token or returns, so any input terminates.
 */
final class QueryParser {

  private final ParseState s;
  private final TokenCursor c;
  private final Analysis a;

  QueryParser(ParseState state) {
    this.s = state;
    this.c = state.cursor;
    this.a = state.analysis;
  }

  /**
   * Parses a query or DML statement at the cursor, WITH included, and returns true if it modifies
   * data (INSERT, UPDATE, DELETE or MERGE as the main statement).
   */
  boolean statement() {
    if (!s.enter()) {
      return false;
    }
    try {
      if (c.isWord("with")) {
        int scopes = s.cteScopes.size();
        withClause();
        boolean writes = statementWithoutWith();
        while (s.cteScopes.size() > scopes) {
          s.cteScopes.pop();
        }
        return writes;
      }
      return statementWithoutWith();
    } finally {
      s.exit();
    }
  }

  private boolean statementWithoutWith() {
    if (c.isWord("insert")) {
      insert();
    } else if (c.isWord("update")) {
      update();
    } else if (c.isWord("delete")) {
      delete();
    } else if (c.isWord("merge")) {
      merge();
    } else {
      queryChain();
      return false;
    }
    return true;
  }

  /** True if the token {@code ahead} starts a query: SELECT, VALUES, TABLE or WITH. */
  boolean isQueryStart(int ahead) {
    Token t = c.peek(ahead);
    return t.isWord("select") || t.isWord("values") || t.isWord("table") || t.isWord("with");
  }

  private void withClause() {
    c.accept("with");
    boolean recursive = c.accept("recursive");
    Set<String> scope = new HashSet<>();
    s.cteScopes.push(scope);
    do {
      Token name = c.peek();
      if (!name.isIdentifier()) {
        a.readTargetsUnknown = true;
        return;
      }
      c.next();
      if (c.is(TokenType.LEFT_PAREN)) {
        c.skipGroup(); // the CTE's column list
      }
      if (!c.accept("as")) {
        a.readTargetsUnknown = true;
        return;
      }
      c.accept("not");
      c.accept("materialized");
      if (recursive) {
        scope.add(name.value());
      }
      if (c.accept(TokenType.LEFT_PAREN)) {
        if (statement()) {
          a.dataModifyingCte = true;
        }
        s.expressions.closeParen();
      }
      scope.add(name.value());
      searchAndCycleClauses();
    } while (c.accept(TokenType.COMMA));
  }

  /** Skips {@code SEARCH … SET col} and {@code CYCLE … USING col} after a recursive CTE. */
  private void searchAndCycleClauses() {
    while (c.isWord("search") || c.isWord("cycle")) {
      c.next();
      while (!c.atEnd()
          && !c.is(TokenType.COMMA)
          && !c.is(TokenType.LEFT_PAREN)
          && !c.is(TokenType.RIGHT_PAREN)
          && !isQueryStart(0)
          && !isDmlStart(0)
          && !c.isWord("cycle")) {
        c.next();
      }
    }
  }

  private boolean isDmlStart(int ahead) {
    Token t = c.peek(ahead);
    return t.isWord("insert") || t.isWord("update") || t.isWord("delete") || t.isWord("merge");
  }

  private void queryChain() {
    primary();
    while (!c.atEnd()) {
      if (c.isWord("union") || c.isWord("intersect") || c.isWord("except")) {
        c.next();
        if (!c.accept("all")) {
          c.accept("distinct");
        }
        primary();
      } else if (c.isWord("order") && c.isWord(1, "by")) {
        c.next();
        c.next();
        s.expressions.expression(ExpressionScanner.CLAUSE_STOPS, false, false);
      } else if (c.isWord("limit") || c.isWord("offset") || c.isWord("fetch")) {
        c.next();
        s.expressions.expression(ExpressionScanner.CLAUSE_STOPS, false, false);
      } else if (c.isWord("for")) {
        if (!lockingClause()) {
          return;
        }
      } else if (c.isWord("into")) {
        into();
      } else {
        return;
      }
    }
  }

  private void primary() {
    if (c.accept("select")) {
      selectBody();
    } else if (c.accept("values")) {
      s.expressions.expression(ExpressionScanner.CLAUSE_STOPS, false, false);
    } else if (c.accept("table")) {
      c.accept("only");
      s.addRelation(s.qualifiedName(), false);
      s.acceptStar();
    } else if (c.accept(TokenType.LEFT_PAREN)) {
      statement();
      s.expressions.closeParen();
    } else if (c.isWord("with")) {
      statement();
    } else if (!c.atEnd() && !c.is(TokenType.RIGHT_PAREN)) {
      // Not a query where one must be: we cannot vouch for what this reads.
      a.readTargetsUnknown = true;
    }
  }

  private void selectBody() {
    if (!c.accept("all") && c.accept("distinct") && c.isWord("on") && c.is(1, TokenType.LEFT_PAREN)) {
      c.next();
      s.expressions.paren(c.previous(), false);
    }
    s.expressions.expression(ExpressionScanner.CLAUSE_STOPS, false, false);
    while (!c.atEnd()) {
      if (c.isWord("into")) {
        into();
      } else if (c.accept("from")) {
        s.from.fromList();
      } else if (c.accept("where") || c.accept("having")) {
        s.expressions.expression(ExpressionScanner.CLAUSE_STOPS, false, false);
      } else if (c.isWord("group") && c.isWord(1, "by")) {
        c.next();
        c.next();
        if (!c.accept("all")) {
          c.accept("distinct");
        }
        s.expressions.expression(ExpressionScanner.CLAUSE_STOPS, false, true);
      } else if (c.accept("window")) {
        windowClause();
      } else {
        return;
      }
    }
  }

  private void windowClause() {
    do {
      if (c.is(TokenType.IDENTIFIER)) {
        c.next();
      }
      c.accept("as");
      if (c.accept(TokenType.LEFT_PAREN)) {
        s.expressions.expression(Set.of(), false, false);
        s.expressions.closeParen();
      }
    } while (c.accept(TokenType.COMMA));
  }

  /** SELECT … INTO [TEMP|UNLOGGED] [TABLE] name: creates a table. */
  private void into() {
    c.accept("into");
    a.selectInto = true;
    if (!c.accept("global")) {
      c.accept("local");
    }
    boolean temp = c.accept("temporary") || c.accept("temp");
    c.accept("unlogged");
    c.accept("table");
    List<Token> name = s.qualifiedName();
    if (name.isEmpty()) {
      a.writeTargetsUnknown = true;
    } else {
      s.addRelation(name, true);
    }
    if (temp || ParseState.inTemporarySchema(name)) {
      a.sessionScoped("temporary table (SELECT … INTO TEMP)");
    }
  }

  /** FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE [OF …] [NOWAIT | SKIP LOCKED]; FOR READ ONLY. */
  private boolean lockingClause() {
    LockingStrength strength;
    int words;
    if (c.isWord(1, "update")) {
      strength = LockingStrength.UPDATE;
      words = 2;
    } else if (c.isWord(1, "no") && c.isWord(2, "key") && c.isWord(3, "update")) {
      strength = LockingStrength.NO_KEY_UPDATE;
      words = 4;
    } else if (c.isWord(1, "share")) {
      strength = LockingStrength.SHARE;
      words = 2;
    } else if (c.isWord(1, "key") && c.isWord(2, "share")) {
      strength = LockingStrength.KEY_SHARE;
      words = 3;
    } else if (c.acceptAll("for", "read", "only")) {
      return true;
    } else {
      return false;
    }
    for (int i = 0; i < words; i++) {
      c.next();
    }
    a.lock(strength);
    if (c.accept("of")) {
      do {
        s.qualifiedName();
      } while (c.accept(TokenType.COMMA));
    }
    if (!c.accept("nowait")) {
      c.acceptAll("skip", "locked");
    }
    return true;
  }

  // ---------------------------------------------------------------- DML

  private void insert() {
    c.accept("insert");
    c.accept("into");
    s.addRelation(s.qualifiedName(), true);
    if (c.accept("as") && c.is(TokenType.IDENTIFIER)) {
      c.next();
    }
    if (c.is(TokenType.LEFT_PAREN) && !isQueryStart(1)) {
      c.skipGroup(); // the column list
    }
    if (c.accept("overriding")) {
      c.next();
      c.accept("value");
    }
    if (!c.acceptAll("default", "values") && (isQueryStart(0) || c.is(TokenType.LEFT_PAREN))) {
      statement();
    }
    if (c.acceptAll("on", "conflict")) {
      if (c.is(TokenType.LEFT_PAREN)) {
        c.skipGroup(); // index inference: columns and index expressions, not evaluated
      }
      if (c.accept("where")) {
        s.expressions.expression(Set.of("do"), false, false);
      }
      if (c.acceptAll("on", "constraint")) {
        c.next();
      }
      if (c.accept("do") && c.accept("update")) {
        c.accept("set");
        s.expressions.expression(Set.of("where", "returning"), false, false);
        if (c.accept("where")) {
          s.expressions.expression(Set.of("returning"), false, false);
        }
      } else {
        c.accept("nothing");
      }
    }
    returning();
  }

  private void update() {
    c.accept("update");
    c.accept("only");
    s.addRelation(s.qualifiedName(), true);
    s.acceptStar();
    targetAlias();
    if (c.accept("set")) {
      s.expressions.expression(Set.of("from", "where", "returning"), false, false);
    }
    if (c.accept("from")) {
      s.from.fromList();
    }
    whereOrCurrentOf();
    returning();
  }

  private void delete() {
    c.accept("delete");
    c.accept("from");
    c.accept("only");
    s.addRelation(s.qualifiedName(), true);
    s.acceptStar();
    targetAlias();
    if (c.accept("using")) {
      s.from.fromList();
    }
    whereOrCurrentOf();
    returning();
  }

  private void merge() {
    c.accept("merge");
    c.accept("into");
    c.accept("only");
    s.addRelation(s.qualifiedName(), true);
    s.acceptStar();
    targetAlias();
    if (c.accept("using")) {
      s.from.fromItem();
    }
    if (c.accept("on")) {
      s.expressions.expression(Set.of("when"), false, false);
    }
    // WHEN [NOT] MATCHED … THEN UPDATE SET … | INSERT (…) VALUES (…) | DELETE | DO NOTHING
    s.expressions.expression(Set.of("returning"), false, false);
    returning();
  }

  private void targetAlias() {
    if (c.accept("as")) {
      if (c.is(TokenType.IDENTIFIER)) {
        c.next();
      }
    } else if (FromClauseParser.isBareAlias(c.peek())) {
      c.next();
    }
  }

  private void whereOrCurrentOf() {
    if (c.accept("where")) {
      if (c.acceptAll("current", "of")) {
        c.next();
      } else {
        s.expressions.expression(Set.of("returning"), false, false);
      }
    }
  }

  private void returning() {
    if (c.accept("returning")) {
      s.expressions.expression(Set.of(), false, false);
    }
  }
}
