package dev.outpost.cache.sql;

import java.util.List;
import java.util.Set;

/**
 * Classifies one statement (its non-comment tokens, no trailing semicolon) by its leading verb and
 * walks the parts that matter: queries and DML through {@link QueryParser}, DDL and utility
 * statements here. Unknown verbs are treated as writes to unknown targets — conservative, and
 * free when the statement is in fact an error, since a failed statement commits nothing.
 */
final class StatementAnalyzer {

  private static final Set<String> SESSION_VERBS =
      Set.of("set", "reset", "discard", "deallocate", "listen", "unlisten", "execute", "load");
  private static final Set<String> OTHER_VERBS =
      Set.of("show", "notify", "lock", "checkpoint", "fetch", "move", "close", "analyze", "analyse");
  private static final Set<String> TRANSACTION_VERBS =
      Set.of("begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release");

  private final TokenCursor c;
  private final Analysis a;
  private final ParseState s;
  private final QueryParser q;
  private final DdlAnalyzer ddl;

  private StatementAnalyzer(List<Token> tokens, Analysis analysis) {
    this.c = new TokenCursor(tokens);
    this.a = analysis;
    this.s = new ParseState(c, analysis);
    this.q = s.queries;
    this.ddl = new DdlAnalyzer(s);
  }

  /** Analyzes one statement's non-comment tokens. */
  static Analysis analyze(List<Token> tokens) {
    Analysis analysis = new Analysis();
    StatementAnalyzer analyzer = new StatementAnalyzer(tokens, analysis);
    analyzer.run();
    if (analyzer.s.bailedOut()) {
      // Too deeply nested to follow: assume the worst on both sides.
      analysis.readTargetsUnknown = true;
      analysis.writeTargetsUnknown = analysis.kind != StatementKind.READ;
      if (analysis.kind == StatementKind.READ) {
        analysis.kind = StatementKind.OTHER;
      }
    }
    return analysis;
  }

  private void run() {
    Token first = c.peek();
    if (first.is(TokenType.LEFT_PAREN) || q.isQueryStart(0) || isDml(first)) {
      boolean writes = q.statement();
      a.kind = writes || a.selectInto || a.dataModifyingCte ? StatementKind.WRITE : StatementKind.READ;
      scanRest();
      return;
    }
    String verb = first.isIdentifier() && !first.quoted() ? first.value() : "";
    if (TRANSACTION_VERBS.contains(verb)) {
      a.kind = StatementKind.TRANSACTION;
      // The prepared transaction's writes become visible now, and we never saw which tables.
      a.writeTargetsUnknown = first.isWord("commit") && c.isWord(1, "prepared");
      return;
    }
    switch (verb) {
      case "prepare" -> prepare();
      case "explain" -> explain();
      case "copy" -> copy();
      case "declare" -> declare();
      case "create" -> ddl.create();
      case "alter" -> ddl.alter();
      case "drop" -> ddl.drop();
      case "truncate" -> ddl.truncate();
      case "refresh" -> ddl.refresh();
      case "comment" -> ddl.comment();
      case "grant", "revoke" -> ddl.grant();
      case "cluster" -> ddl.cluster();
      case "reindex" -> ddl.reindex();
      case "vacuum" -> ddl.vacuum();
      case "call" -> call();
      default -> other(verb);
    }
  }

  private static boolean isDml(Token t) {
    return t.isWord("insert") || t.isWord("update") || t.isWord("delete") || t.isWord("merge");
  }

  /** Records calls and subqueries in whatever is left, so nothing after a known prefix is missed. */
  private void scanRest() {
    while (!c.atEnd()) {
      s.expressions.expression(Set.of(), false, false);
      if (!c.atEnd()) {
        c.next(); // a stray ) or ] at top level
      }
    }
  }

  private void other(String verb) {
    if (SESSION_VERBS.contains(verb)) {
      session(verb);
    } else if (OTHER_VERBS.contains(verb)) {
      a.kind = StatementKind.OTHER;
    } else if (verb.equals("do") || verb.equals("import")) {
      writeUnknown();
    } else {
      // SECURITY LABEL, REASSIGN OWNED, CREATE/ALTER of non-relations … and words we do not know.
      writeUnknown();
      a.readTargetsUnknown = true;
    }
  }

  private void writeUnknown() {
    a.kind = StatementKind.WRITE;
    a.writeTargetsUnknown = true;
  }

  private void session(String verb) {
    a.kind = StatementKind.SESSION;
    switch (verb) {
      case "listen" -> a.sessionScoped("LISTEN");
      case "execute" -> {
        // The prepared statement could be anything, including a write.
        a.writeTargetsUnknown = true;
        c.next();
        scanRest();
      }
      case "set" -> {
        for (SessionCommand command : SessionCommandParser.parse(c.tokensFromStart())) {
          if (command instanceof SessionCommand.Untrackable u && u.sessionScoped()) {
            a.sessionScoped(u.feature());
          }
        }
      }
      default -> {}
    }
  }

  /** PREPARE TRANSACTION is transaction control; PREPARE name AS … is SQL-level PREPARE. */
  private void prepare() {
    if (c.isWord(1, "transaction")) {
      a.kind = StatementKind.TRANSACTION;
      return;
    }
    a.kind = StatementKind.SESSION;
    a.sessionScoped("PREPARE");
  }

  /**
   * EXPLAIN runs the statement only with ANALYZE; then its writes happen and count. Without it,
   * only the read side is reported (for information) and the kind is OTHER.
   */
  private void explain() {
    c.next();
    boolean analyze = false;
    if (c.is(TokenType.LEFT_PAREN)) {
      c.next();
      while (!c.atEnd() && !c.is(TokenType.RIGHT_PAREN)) {
        Token option = c.next();
        if (option.isWord("analyze") || option.isWord("analyse")) {
          analyze = !(c.isWord("false") || c.isWord("off") || c.isWord("no") || c.peek().text().equals("0"));
        }
        while (!c.atEnd() && !c.is(TokenType.COMMA) && !c.is(TokenType.RIGHT_PAREN)) {
          c.next();
        }
        c.accept(TokenType.COMMA);
      }
      c.accept(TokenType.RIGHT_PAREN);
    } else {
      while (c.isWord("analyze") || c.isWord("analyse") || c.isWord("verbose")) {
        analyze |= !c.next().isWord("verbose");
      }
    }
    Analysis inner = StatementAnalyzer.analyze(c.remaining());
    c.skipToEnd();
    if (analyze && (inner.kind == StatementKind.WRITE || inner.writeTargetsUnknown)) {
      a.kind = StatementKind.WRITE;
      a.mergeExecuted(inner);
    } else {
      a.kind = StatementKind.OTHER;
      if (analyze) {
        a.mergeExecuted(inner);
      } else {
        a.mergeReadSide(inner);
      }
    }
  }

  /** COPY t FROM writes t; COPY t TO and COPY (query) TO read, unless the query is DML … RETURNING. */
  private void copy() {
    c.next();
    c.accept("binary");
    if (c.accept(TokenType.LEFT_PAREN)) {
      boolean writes = q.statement();
      c.accept(TokenType.RIGHT_PAREN);
      a.kind = writes ? StatementKind.WRITE : StatementKind.OTHER;
      c.skipToEnd();
      return;
    }
    List<Token> name = s.qualifiedName();
    if (c.is(TokenType.LEFT_PAREN)) {
      c.skipGroup();
    }
    boolean from = c.isWord("from");
    s.addRelation(name, from);
    a.kind = from ? StatementKind.WRITE : StatementKind.OTHER;
    int where = c.findTopLevel("where");
    if (where >= 0) {
      c.reset(where + 1);
      scanRest(); // COPY … FROM … WHERE condition
    }
    c.skipToEnd();
  }

  /** DECLARE name … CURSOR [WITH HOLD] FOR query. */
  private void declare() {
    a.kind = StatementKind.OTHER;
    int cursor = c.findTopLevel("cursor");
    if (cursor < 0) {
      return;
    }
    c.reset(cursor + 1);
    if (c.acceptAll("with", "hold")) {
      a.sessionScoped("DECLARE … WITH HOLD");
    } else {
      c.acceptAll("without", "hold");
    }
    if (c.accept("for")) {
      q.statement();
    }
    scanRest();
  }

  private void call() {
    writeUnknown(); // a procedure can do anything
    c.next();
    scanRest();
  }
}
