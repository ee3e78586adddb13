package dev.outpost.cache.sql;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the parsers of one statement share: the cursor, the analysis being filled, the CTE names
 * in scope, and a nesting guard — nesting deeper than {@link #MAX_DEPTH} stops the walk and marks
 * it as bailed out, so adversarial input cannot exhaust the stack.
 */
final class ParseState {

  static final int MAX_DEPTH = 200;

  /**
   * The functions that take a session-level advisory lock; the _xact_ variants end with the
   * transaction. The unlock functions are not among them: where taking a session lock is refused
   * (transaction pooling), no backend a client shares holds one, so an unlock releases nothing and
   * answers as on a session that took none. Pools run {@code pg_advisory_unlock_all()} when a
   * connection comes back to them (asyncpg's does).
   */
  private static final Set<String> SESSION_ADVISORY_LOCKS =
      Set.of("pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared");

  final TokenCursor cursor;
  final Analysis analysis;
  final Deque<Set<String>> cteScopes = new ArrayDeque<>();
  final QueryParser queries;
  final FromClauseParser from;
  final ExpressionScanner expressions;
  private int depth;
  private boolean bailedOut;

  ParseState(TokenCursor cursor, Analysis analysis) {
    this.cursor = cursor;
    this.analysis = analysis;
    this.queries = new QueryParser(this);
    this.from = new FromClauseParser(this);
    this.expressions = new ExpressionScanner(this);
  }

  boolean bailedOut() {
    return bailedOut;
  }

  /** Enters one nesting level; false (and the cursor at the end) once too deep. */
  boolean enter() {
    if (bailedOut) {
      return false;
    }
    if (++depth > MAX_DEPTH) {
      depth--;
      bailedOut = true;
      cursor.skipToEnd();
      return false;
    }
    return true;
  }

  /** Leaves a level entered with a successful {@link #enter()}. */
  void exit() {
    depth--;
  }

  /** Reads {@code a}, {@code a.b} or {@code a.b.c}; returns the parts (empty if no identifier). */
  List<Token> qualifiedName() {
    List<Token> parts = new ArrayList<>(3);
    if (!cursor.is(TokenType.IDENTIFIER)) {
      return parts;
    }
    parts.add(cursor.next());
    while (cursor.is(TokenType.DOT) && cursor.is(1, TokenType.IDENTIFIER)) {
      cursor.next();
      parts.add(cursor.next());
    }
    return parts;
  }

  /**
   * Whether a qualified name puts its object in the session's temporary schema ({@code pg_temp},
   * or its real name {@code pg_temp_<n>}): such an object is as temporary as one made with TEMP.
   */
  static boolean inTemporarySchema(List<Token> parts) {
    return parts.size() >= 2 && parts.get(parts.size() - 2).value().startsWith("pg_temp");
  }

  /** Consumes the {@code *} of {@code t *} (include inheritance children), if present. */
  void acceptStar() {
    if (cursor.is(TokenType.OPERATOR) && cursor.peek().text().equals("*")) {
      cursor.next();
    }
  }

  /** Records a relation read or written; reads of an unqualified CTE name in scope are skipped. */
  void addRelation(List<Token> parts, boolean write) {
    if (parts.isEmpty() || parts.get(parts.size() - 1).value().isEmpty()) {
      if (write) {
        analysis.writeTargetsUnknown = true;
      } else {
        analysis.readTargetsUnknown = true;
      }
      return;
    }
    int n = parts.size();
    String name = parts.get(n - 1).value();
    String schema = n >= 2 && !parts.get(n - 2).value().isEmpty() ? parts.get(n - 2).value() : null;
    if (!write && schema == null && isCte(name)) {
      return;
    }
    (write ? analysis.writes : analysis.reads).add(new TableRef(schema, name));
  }

  private boolean isCte(String name) {
    for (Set<String> scope : cteScopes) {
      if (scope.contains(name)) {
        return true;
      }
    }
    return false;
  }

  /** Records a catalog function call, noting session-level advisory locks. */
  void addFunction(List<Token> parts) {
    int n = parts.size();
    if (n == 0 || parts.get(n - 1).value().isEmpty()) {
      return;
    }
    String name = parts.get(n - 1).value();
    String schema = n >= 2 && !parts.get(n - 2).value().isEmpty() ? parts.get(n - 2).value() : null;
    analysis.functions.add(new FunctionRef(schema, name));
    if (SESSION_ADVISORY_LOCKS.contains(name) && (schema == null || schema.equals("pg_catalog"))) {
      analysis.sessionScoped("session advisory lock (" + name + ")");
    }
  }

  static Set<String> union(Set<String> x, Set<String> y) {
    Set<String> s = new HashSet<>(x);
    s.addAll(y);
    return Set.copyOf(s);
  }
}
