package dev.outpost.cache.sql;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Scans expressions token by token: subqueries are handed to {@link QueryParser}; catalog function
 * calls, SQL value functions, casts and type names are recognized here. This is where "looks like
 * a call but is grammar" is decided (see {@link StatementClassifier} for the list).
 */
final class ExpressionScanner {

  /** Words that end an expression inside a SELECT, VALUES or DML statement. */
  static final Set<String> CLAUSE_STOPS =
      Set.of(
          "from", "into", "where", "group", "having", "window", "order", "limit", "offset",
          "fetch", "for", "union", "intersect", "except", "on", "returning", "with");

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
      ParseState.union(
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

  private final ParseState s;
  private final TokenCursor c;
  private final Analysis a;

  ExpressionScanner(ParseState state) {
    this.s = state;
    this.c = state.cursor;
    this.a = state.analysis;
  }

  /**
   * Scans an expression (or a comma list of them) up to a closing bracket, the end, a comma if
   * {@code commaStops}, or an unquoted word in {@code stops} outside CASE … END. Subqueries are
   * parsed as queries; calls, SQL value functions and casts are recorded.
   */
  void expression(Set<String> stops, boolean commaStops, boolean groupBy) {
    if (!s.enter()) {
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
      s.exit();
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
  void paren(Token before, boolean groupBy) {
    if (s.queries.isQueryStart(1)) {
      c.next();
      s.queries.statement();
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
  void closeParen() {
    if (c.accept(TokenType.RIGHT_PAREN)) {
      return;
    }
    expression(Set.of(), false, false);
    c.accept(TokenType.RIGHT_PAREN);
  }

  void identifier(boolean groupBy) {
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
    List<Token> name = s.qualifiedName();
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
      s.addFunction(name);
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
    List<Token> name = s.qualifiedName();
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
}
