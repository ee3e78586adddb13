package dev.outpost.cache.sql;

import java.util.List;
import java.util.Set;

/**
 * The FROM list: relations (recorded as reads unless they name a CTE in scope), subqueries,
 * parenthesised joins, table functions, LATERAL, ONLY, {@code t *}, aliases with column lists,
 * TABLESAMPLE and the join forms.
 */
final class FromClauseParser {

  /** CLAUSE_STOPS plus the words that end a join condition in a FROM list. */
  private static final Set<String> FROM_STOPS =
      ParseState.union(
          ExpressionScanner.CLAUSE_STOPS,
          Set.of("join", "inner", "cross", "natural", "left", "right", "full", "using", "set", "when"));

  private final ParseState s;
  private final TokenCursor c;
  private final Analysis a;

  FromClauseParser(ParseState state) {
    this.s = state;
    this.c = state.cursor;
    this.a = state.analysis;
  }

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
        s.expressions.expression(FROM_STOPS, true, false);
      } else if (c.isWord("using") && c.is(1, TokenType.LEFT_PAREN)) {
        c.next();
        c.skipGroup();
        if (c.accept("as") && c.is(TokenType.IDENTIFIER)) {
          c.next();
        }
      }
    }
  }

  void fromItem() {
    if (!s.enter()) {
      return;
    }
    try {
      fromItemInner();
    } finally {
      s.exit();
    }
  }

  private void fromItemInner() {
    while (c.accept("lateral")) {
      // LATERAL only changes name visibility, not what is read
    }
    if (c.accept("only")) {
      boolean parenthesised = c.accept(TokenType.LEFT_PAREN);
      s.addRelation(s.qualifiedName(), false);
      if (parenthesised) {
        s.expressions.closeParen();
      }
      aliasAndSample();
      return;
    }
    Token t = c.peek();
    if (t.is(TokenType.LEFT_PAREN)) {
      c.next();
      if (s.queries.isQueryStart(0)) {
        s.queries.statement();
      } else {
        fromList(); // a parenthesised join
      }
      s.expressions.closeParen();
      aliasAndSample();
      return;
    }
    if (c.isWord("rows") && c.isWord(1, "from") && c.is(2, TokenType.LEFT_PAREN)) {
      c.next();
      c.next();
      s.expressions.paren(c.previous(), false); // the functions are calls; AS (…) definition lists are skipped
      c.acceptAll("with", "ordinality");
      aliasAndSample();
      return;
    }
    if (t.isIdentifier() && !t.quoted() && ExpressionScanner.SQL_VALUE_FUNCTIONS.contains(t.value())) {
      s.expressions.identifier(false);
      aliasAndSample();
      return;
    }
    if (t.isIdentifier() && (t.quoted() || !Keywords.isReserved(t.value()))) {
      List<Token> name = s.qualifiedName();
      if (c.is(TokenType.LEFT_PAREN)) {
        s.addFunction(name); // a table function: unnest(…), generate_series(…), xmltable(…)
        s.expressions.paren(name.get(name.size() - 1), false);
        c.acceptAll("with", "ordinality");
      } else {
        s.addRelation(name, false);
        s.acceptStar();
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
    List<Token> method = s.qualifiedName();
    if (c.is(TokenType.LEFT_PAREN)) {
      s.expressions.paren(method.isEmpty() ? c.previous() : method.get(method.size() - 1), false);
    }
    if (c.isWord("repeatable") && c.is(1, TokenType.LEFT_PAREN)) {
      c.next();
      s.expressions.paren(c.previous(), false);
    }
  }

  static boolean isBareAlias(Token t) {
    if (!t.isIdentifier()) {
      return false;
    }
    if (t.quoted()) {
      return true;
    }
    String w = t.value();
    return !Keywords.isReserved(w) && !Keywords.TYPE_FUNC_NAME.contains(w) && !w.equals("set");
  }
}
