package dev.outpost.cache.sql;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A tolerant recursive-descent walk over queries and DML (SELECT, VALUES, TABLE, WITH, INSERT,
 * UPDATE, DELETE, MERGE) that records into an {@link Analysis} which relations are read and
 * written, which catalog functions are called, and which clauses matter to the cache.
 *
 * <p>It is not a validating parser: it follows the grammar where it must to tell a table from an
 * alias, a CTE, a column list or a type modifier, and otherwise scans expressions token by token.
 * Every loop consumes at least one token or returns, so any input terminates; nesting deeper than
 * {@link #MAX_DEPTH} stops the walk and marks the analysis as bailed out.
 */
final class QueryParser {

  static final int MAX_DEPTH = 200;

  /** Words that end an expression inside a SELECT, VALUES or DML statement. */
  static final Set<String> CLAUSE_STOPS =
      Set.of(
          "from", "into", "where", "group", "having", "window", "order", "limit", "offset",
          "fetch", "for", "union", "intersect", "except", "on", "returning", "with");

  /** CLAUSE_STOPS plus the words that end a join condition in a FROM list. */
  private static final Set<String> FROM_STOPS =
      union(CLAUSE_STOPS, Set.of("join", "inner", "cross", "natural", "left", "right", "full", "using", "set", "when"));

  /** SQL value functions: keywords that read the clock or the session, with or without precision. */
  static final Set<String> SQL_VALUE_FUNCTIONS =
      Set.of(
          "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp",
          "current_user", "session_user", "current_role", "user", "current_catalog",
          "current_schema", "system_user");

  /** Type names whose {@code (…)} is a type modifier, never a call: numeric(10,2), varchar(20). */
  private static final Set<String> TYPE_MODIFIER_NAMES =
      Set.of(
          "numeric", "decimal", "dec", "varchar", "char", "character", "nchar", "varying", "bit",
          "float", "timestamp", "time", "interval");

  /**
   * Unquoted words that, followed by {@code (}, are grammar rather than a catalog function call.
   * Column-name keywords (COALESCE, NULLIF, GREATEST, LEAST, EXTRACT, EXISTS, ROW, VALUES,
   * GROUPING, OVERLAY, POSITION, SUBSTRING, TRIM, NORMALIZE, TREAT and the type names) cannot name
   * a function at all; the XML and JSON constructs among them are deliberately left out of this set
   * so that they are reported under their own names, which {@code pg_proc} will mostly not know,
   * which the proxy treats as volatile: conservative. OVERLAY, POSITION, SUBSTRING, TRIM and
   * NORMALIZE map to immutable catalog functions; EXTRACT on timestamptz depends on TimeZone,
   * which is part of the cache key's settings digest; so none of them needs reporting.
   */
  private static final Set<String> NOT_FUNCTIONS =
      union(
          Keywords.COL_NAME.stream()
              .filter(w -> !w.startsWith("xml") && !w.startsWith("json"))
              .collect(Collectors.toSet()),
          Set.of(
              "operator", "insert", "update", "delete", "merge", "set", "over", "filter", "within",
              "inherits", "include", "tablesample"));

  /** A name right after one of these words is being defined or referenced, not called. */
  private static final Set<String> NAME_CONTEXT_WORDS =
      Set.of(
          "as", "into", "table", "references", "function", "procedure", "aggregate", "routine",
          "index", "view", "type", "copy", "execute", "prepare", "tablesample", "analyze",
          "analyse", "vacuum", "trigger", "domain", "sequence", "of");

  /** Session-level advisory lock functions; the _xact_ variants end with the transaction. */
  private static final Set<String> SESSION_ADVISORY_LOCKS =
      Set.of(
          "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock",
          "pg_try_advisory_lock_shared", "pg_advisory_unlock", "pg_advisory_unlock_shared",
          "pg_advisory_unlock_all");

  private final TokenCursor c;
  private final Analysis a;
  private final Deque<Set<String>> cteScopes = new ArrayDeque<>();
  private int depth;
  private boolean bailedOut;

  QueryParser(TokenCursor cursor, Analysis analysis) {
    this.c = cursor;
    this.a = analysis;
  }

  boolean bailedOut() {
    return bailedOut;
  }

  // ---------------------------------------------------------------- statements

  /**
   * Parses a query or DML statement at the cursor, WITH included, and returns true if it modifies
   * data (INSERT, UPDATE, DELETE or MERGE as the main statement).
   */
  boolean statement() {
    if (!enter()) {
      return false;
    }
    try {
      if (c.isWord("with")) {
        int scopes = cteScopes.size();
        withClause();
        boolean writes = statementWithoutWith();
        while (cteScopes.size() > scopes) {
          cteScopes.pop();
        }
        return writes;
      }
      return statementWithoutWith();
    } finally {
      depth--;
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
    cteScopes.push(scope);
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
        closeParen();
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
        expression(CLAUSE_STOPS, false, false);
      } else if (c.isWord("limit") || c.isWord("offset") || c.isWord("fetch")) {
        c.next();
        expression(CLAUSE_STOPS, false, false);
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
      expression(CLAUSE_STOPS, false, false);
    } else if (c.accept("table")) {
      c.accept("only");
      addRelation(qualifiedName(), false);
      acceptStar();
    } else if (c.accept(TokenType.LEFT_PAREN)) {
      statement();
      closeParen();
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
      paren(c.previous(), false);
    }
    expression(CLAUSE_STOPS, false, false);
    while (!c.atEnd()) {
      if (c.isWord("into")) {
        into();
      } else if (c.accept("from")) {
        fromList();
      } else if (c.accept("where") || c.accept("having")) {
        expression(CLAUSE_STOPS, false, false);
      } else if (c.isWord("group") && c.isWord(1, "by")) {
        c.next();
        c.next();
        if (!c.accept("all")) {
          c.accept("distinct");
        }
        expression(CLAUSE_STOPS, false, true);
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
        expression(Set.of(), false, false);
        closeParen();
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
    List<Token> name = qualifiedName();
    if (name.isEmpty()) {
      a.writeTargetsUnknown = true;
    } else {
      addRelation(name, true);
    }
    if (temp) {
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
        qualifiedName();
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
    addRelation(qualifiedName(), true);
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
        expression(Set.of("do"), false, false);
      }
      if (c.acceptAll("on", "constraint")) {
        c.next();
      }
      if (c.accept("do") && c.accept("update")) {
        c.accept("set");
        expression(Set.of("where", "returning"), false, false);
        if (c.accept("where")) {
          expression(Set.of("returning"), false, false);
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
    addRelation(qualifiedName(), true);
    acceptStar();
    targetAlias();
    if (c.accept("set")) {
      expression(Set.of("from", "where", "returning"), false, false);
    }
    if (c.accept("from")) {
      fromList();
    }
    whereOrCurrentOf();
    returning();
  }

  private void delete() {
    c.accept("delete");
    c.accept("from");
    c.accept("only");
    addRelation(qualifiedName(), true);
    acceptStar();
    targetAlias();
    if (c.accept("using")) {
      fromList();
    }
    whereOrCurrentOf();
    returning();
  }

  private void merge() {
    c.accept("merge");
    c.accept("into");
    c.accept("only");
    addRelation(qualifiedName(), true);
    acceptStar();
    targetAlias();
    if (c.accept("using")) {
      fromItem();
    }
    if (c.accept("on")) {
      expression(Set.of("when"), false, false);
    }
    // WHEN [NOT] MATCHED … THEN UPDATE SET … | INSERT (…) VALUES (…) | DELETE | DO NOTHING
    expression(Set.of("returning"), false, false);
    returning();
  }

  private void targetAlias() {
    if (c.accept("as")) {
      if (c.is(TokenType.IDENTIFIER)) {
        c.next();
      }
    } else if (isBareAlias(c.peek())) {
      c.next();
    }
  }

  private void whereOrCurrentOf() {
    if (c.accept("where")) {
      if (c.acceptAll("current", "of")) {
        c.next();
      } else {
        expression(Set.of("returning"), false, false);
      }
    }
  }

  private void returning() {
    if (c.accept("returning")) {
      expression(Set.of(), false, false);
    }
  }

  // ---------------------------------------------------------------- FROM

  void fromList() {
    do {
      fromItem();
      joins();
    } while (c.accept(TokenType.COMMA));
  }

  private void joins() {
    while (!c.atEnd()) {
      int save = c.position();
      c.accept("natural");
      boolean join;
      if (c.accept("cross") || c.accept("inner")) {
        join = c.accept("join");
      } else if (c.accept("left") || c.accept("right") || c.accept("full")) {
        c.accept("outer");
        join = c.accept("join");
      } else {
        join = c.accept("join");
      }
      if (!join) {
        c.reset(save);
        return;
      }
      fromItem();
      if (c.accept("on")) {
        expression(FROM_STOPS, true, false);
      } else if (c.isWord("using") && c.is(1, TokenType.LEFT_PAREN)) {
        c.next();
        c.skipGroup();
        if (c.accept("as") && c.is(TokenType.IDENTIFIER)) {
          c.next();
        }
      }
    }
  }

  private void fromItem() {
    if (!enter()) {
      return;
    }
    try {
      fromItemInner();
    } finally {
      depth--;
    }
  }

  private void fromItemInner() {
    while (c.accept("lateral")) {
      // LATERAL only changes name visibility, not what is read
    }
    if (c.accept("only")) {
      boolean parenthesised = c.accept(TokenType.LEFT_PAREN);
      addRelation(qualifiedName(), false);
      if (parenthesised) {
        closeParen();
      }
      aliasAndSample();
      return;
    }
    Token t = c.peek();
    if (t.is(TokenType.LEFT_PAREN)) {
      c.next();
      if (isQueryStart(0)) {
        statement();
      } else {
        fromList(); // a parenthesised join
      }
      closeParen();
      aliasAndSample();
      return;
    }
    if (c.isWord("rows") && c.isWord(1, "from") && c.is(2, TokenType.LEFT_PAREN)) {
      c.next();
      c.next();
      paren(c.previous(), false); // the functions are calls; AS (…) definition lists are skipped
      c.acceptAll("with", "ordinality");
      aliasAndSample();
      return;
    }
    if (t.isIdentifier() && !t.quoted() && SQL_VALUE_FUNCTIONS.contains(t.value())) {
      identifier(false);
      aliasAndSample();
      return;
    }
    if (t.isIdentifier() && (t.quoted() || !Keywords.isReserved(t.value()))) {
      List<Token> name = qualifiedName();
      if (c.is(TokenType.LEFT_PAREN)) {
        addFunction(name); // a table function: unnest(…), generate_series(…), xmltable(…)
        paren(name.get(name.size() - 1), false);
        c.acceptAll("with", "ordinality");
      } else {
        addRelation(name, false);
        acceptStar();
      }
      aliasAndSample();
      return;
    }
    if (!c.atEnd() && !t.is(TokenType.RIGHT_PAREN)) {
      a.readTargetsUnknown = true; // something we do not understand where a relation belongs
    }
  }

  private void aliasAndSample() {
    tableSample();
    if (c.accept("as")) {
      if (c.is(TokenType.IDENTIFIER)) {
        c.next();
      }
      if (c.is(TokenType.LEFT_PAREN)) {
        c.skipGroup(); // column aliases or a column definition list
      }
    } else if (isBareAlias(c.peek())) {
      c.next();
      if (c.is(TokenType.LEFT_PAREN)) {
        c.skipGroup();
      }
    }
    tableSample();
  }

  private void tableSample() {
    if (!c.accept("tablesample")) {
      return;
    }
    a.tableSample = true;
    List<Token> method = qualifiedName();
    if (c.is(TokenType.LEFT_PAREN)) {
      paren(method.isEmpty() ? c.previous() : method.get(method.size() - 1), false);
    }
    if (c.isWord("repeatable") && c.is(1, TokenType.LEFT_PAREN)) {
      c.next();
      paren(c.previous(), false);
    }
  }

  private static boolean isBareAlias(Token t) {
    if (!t.isIdentifier()) {
      return false;
    }
    if (t.quoted()) {
      return true;
    }
    String w = t.value();
    return !Keywords.isReserved(w) && !Keywords.TYPE_FUNC_NAME.contains(w) && !w.equals("set");
  }

  // ---------------------------------------------------------------- expressions

  /**
   * Scans an expression (or a comma list of them) up to a closing bracket, the end, a comma if
   * {@code commaStops}, or an unquoted word in {@code stops} outside CASE … END. Subqueries are
   * parsed as queries; calls, SQL value functions and casts are recorded.
   */
  void expression(Set<String> stops, boolean commaStops, boolean groupBy) {
    if (!enter()) {
      return;
    }
    try {
      int caseDepth = 0;
      while (!c.atEnd()) {
        Token t = c.peek();
        switch (t.type()) {
          case RIGHT_PAREN, RIGHT_BRACKET, SEMICOLON -> {
            return;
          }
          case COMMA -> {
            if (commaStops) {
              return;
            }
            c.next();
          }
          case LEFT_PAREN -> paren(c.previous(), groupBy);
          case LEFT_BRACKET -> {
            c.next();
            expression(Set.of(), false, false);
            c.accept(TokenType.RIGHT_BRACKET);
          }
          case DOUBLE_COLON -> {
            c.next();
            typeName();
          }
          case IDENTIFIER -> {
            if (!t.quoted()) {
              if (caseDepth == 0 && stops.contains(t.value()) && isStop(t)) {
                return;
              }
              if (t.value().equals("case")) {
                caseDepth++;
                c.next();
                continue;
              }
              if (t.value().equals("end") && caseDepth > 0) {
                caseDepth--;
                c.next();
                continue;
              }
            }
            identifier(groupBy);
          }
          default -> c.next();
        }
      }
    } finally {
      depth--;
    }
  }

  /** Exceptions to the stop words, where the same word is part of an expression. */
  private boolean isStop(Token t) {
    switch (t.value()) {
      case "from" -> {
        // IS [NOT] DISTINCT FROM
        return !(c.previous().isWord("distinct")
            && (c.peek(-2).isWord("is") || c.peek(-2).isWord("not")));
      }
      case "group" -> {
        return !c.previous().isWord("within");
      }
      case "left", "right", "full" -> {
        return c.isWord(1, "join") || c.isWord(1, "outer");
      }
      case "with" -> {
        // timestamp with time zone '…' is a typed literal, not a clause
        return !(c.isWord(1, "time") && c.isWord(2, "zone"));
      }
      default -> {
        return true;
      }
    }
  }

  /** At {@code (}: a subquery, a skipped definition list after AS, or a nested expression. */
  private void paren(Token before, boolean groupBy) {
    if (isQueryStart(1)) {
      c.next();
      statement();
      closeParen();
    } else if (before.isWord("as")) {
      c.skipGroup();
    } else {
      c.next();
      expression(Set.of(), false, groupBy);
      closeParen();
    }
  }

  /** Expects {@code )}; if something else is there, scans it (still recording) up to the {@code )}. */
  private void closeParen() {
    if (c.accept(TokenType.RIGHT_PAREN)) {
      return;
    }
    expression(Set.of(), false, false);
    c.accept(TokenType.RIGHT_PAREN);
  }

  private void identifier(boolean groupBy) {
    Token first = c.peek();
    Token before = c.previous();
    if (!first.quoted() && !before.is(TokenType.DOT)) {
      String w = first.value();
      if (SQL_VALUE_FUNCTIONS.contains(w) && !isUserAsRoleWord(before)) {
        a.sqlValueFunction = true;
        c.next();
        if (c.is(TokenType.LEFT_PAREN)) {
          c.skipGroup(); // precision, as in CURRENT_TIMESTAMP(3), or current_schema()
        }
        return;
      }
      if ((w.equals("cast") || w.equals("treat")) && c.is(1, TokenType.LEFT_PAREN)) {
        c.next();
        castArguments();
        return;
      }
      if (c.is(1, TokenType.LEFT_PAREN)
          && (TYPE_MODIFIER_NAMES.contains(w) || (w.equals("second") && before.isWord("to")))) {
        c.next();
        c.skipGroup();
        return;
      }
    }
    List<Token> name = qualifiedName();
    if (c.is(TokenType.DOT) && c.peek(1).text().equals("*")) {
      c.next();
      c.next();
      return;
    }
    if (!c.is(TokenType.LEFT_PAREN)) {
      return;
    }
    Token last = name.get(name.size() - 1);
    if (isFunctionCall(name, before, groupBy)) {
      addFunction(name);
      paren(last, false);
    } else if (isNameContext(before)) {
      c.skipGroup(); // INSERT INTO t (a, b), AS x(a, b), REFERENCES t (id), EXECUTE s(…)
    } else {
      paren(last, groupBy);
    }
  }

  /** {@code CREATE USER}, {@code ALTER USER}, {@code USER MAPPING}: USER is a word, not a value. */
  private boolean isUserAsRoleWord(Token before) {
    return c.isWord("user")
        && (before.isWord("create") || before.isWord("alter") || before.isWord("drop")
            || c.isWord(1, "mapping"));
  }

  private static boolean isNameContext(Token before) {
    return before.isIdentifier() && !before.quoted() && NAME_CONTEXT_WORDS.contains(before.value());
  }

  private boolean isFunctionCall(List<Token> name, Token before, boolean groupBy) {
    if (before.is(TokenType.RIGHT_PAREN) || isNameContext(before)) {
      return false; // FILTER (…), OVER (…), alias column lists; names being defined
    }
    Token last = name.get(name.size() - 1);
    if (name.size() > 1 || last.quoted()) {
      return true;
    }
    String w = last.value();
    if (Keywords.isReserved(w) || NOT_FUNCTIONS.contains(w)) {
      return false;
    }
    return switch (w) {
      case "conflict" -> !before.isWord("on");
      case "sets" -> !before.isWord("grouping");
      case "cube", "rollup" -> !groupBy;
      case "key" -> !(before.isWord("primary") || before.isWord("foreign"));
      default -> true;
    };
  }

  /** CAST(expr AS type) and TREAT(expr AS type): the type is not an expression. */
  private void castArguments() {
    c.next(); // (
    expression(Set.of("as"), false, false);
    if (c.accept("as")) {
      typeName();
    }
    closeParen();
  }

  /** Skips a type name: qualified, multi-word, with type modifier, time zone and array bounds. */
  void typeName() {
    c.accept("setof");
    List<Token> name = qualifiedName();
    if (name.isEmpty()) {
      return;
    }
    Token last = name.get(name.size() - 1);
    String w = last.quoted() ? "" : last.value();
    switch (w) {
      case "double" -> c.accept("precision");
      case "national" -> {
        if (!c.accept("character")) {
          c.accept("char");
        }
        c.accept("varying");
      }
      case "character", "char", "nchar", "bit" -> c.accept("varying");
      default -> {}
    }
    if (c.is(TokenType.LEFT_PAREN)) {
      c.skipGroup();
    }
    if (w.equals("interval")) {
      intervalFields();
    }
    if (w.equals("timestamp") || w.equals("time")) {
      if (!c.acceptAll("with", "time", "zone")) {
        c.acceptAll("without", "time", "zone");
      }
    }
    while (true) {
      if (c.is(TokenType.LEFT_BRACKET)) {
        c.skipGroup();
      } else if (c.accept("array")) {
        if (c.is(TokenType.LEFT_BRACKET)) {
          c.skipGroup();
        }
      } else {
        return;
      }
    }
  }

  private void intervalFields() {
    Set<String> fields = Set.of("year", "month", "day", "hour", "minute", "second");
    if (fields.contains(c.peek().value()) && !c.peek().quoted()) {
      c.next();
      if (c.accept("to") && fields.contains(c.peek().value())) {
        c.next();
      }
      if (c.is(TokenType.LEFT_PAREN)) {
        c.skipGroup();
      }
    }
  }

  // ---------------------------------------------------------------- names

  /** Reads {@code a}, {@code a.b} or {@code a.b.c}; returns the parts (empty if no identifier). */
  List<Token> qualifiedName() {
    List<Token> parts = new ArrayList<>(3);
    if (!c.is(TokenType.IDENTIFIER)) {
      return parts;
    }
    parts.add(c.next());
    while (c.is(TokenType.DOT) && c.is(1, TokenType.IDENTIFIER)) {
      c.next();
      parts.add(c.next());
    }
    return parts;
  }

  private void acceptStar() {
    if (c.is(TokenType.OPERATOR) && c.peek().text().equals("*")) {
      c.next();
    }
  }

  void addRelation(List<Token> parts, boolean write) {
    if (parts.isEmpty() || parts.get(parts.size() - 1).value().isEmpty()) {
      if (write) {
        a.writeTargetsUnknown = true;
      } else {
        a.readTargetsUnknown = true;
      }
      return;
    }
    int n = parts.size();
    String name = parts.get(n - 1).value();
    String schema = n >= 2 && !parts.get(n - 2).value().isEmpty() ? parts.get(n - 2).value() : null;
    if (!write && schema == null && isCte(name)) {
      return;
    }
    (write ? a.writes : a.reads).add(new TableRef(schema, name));
  }

  private boolean isCte(String name) {
    for (Set<String> scope : cteScopes) {
      if (scope.contains(name)) {
        return true;
      }
    }
    return false;
  }

  void addFunction(List<Token> parts) {
    int n = parts.size();
    if (n == 0 || parts.get(n - 1).value().isEmpty()) {
      return;
    }
    String name = parts.get(n - 1).value();
    String schema = n >= 2 && !parts.get(n - 2).value().isEmpty() ? parts.get(n - 2).value() : null;
    a.functions.add(new FunctionRef(schema, name));
    if (SESSION_ADVISORY_LOCKS.contains(name) && (schema == null || schema.equals("pg_catalog"))) {
      a.sessionScoped("session advisory lock (" + name + ")");
    }
  }

  // ---------------------------------------------------------------- depth guard

  private boolean enter() {
    if (bailedOut) {
      return false;
    }
    if (++depth > MAX_DEPTH) {
      depth--;
      bailedOut = true;
      c.skipToEnd();
      return false;
    }
    return true;
  }

  private static Set<String> union(Set<String> x, Set<String> y) {
    Set<String> s = new HashSet<>(x);
    s.addAll(y);
    return Set.copyOf(s);
  }
}
