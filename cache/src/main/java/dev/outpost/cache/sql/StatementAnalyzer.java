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
  private static final Set<String> RELATION_OBJECTS = Set.of("table", "view", "sequence");

  private final TokenCursor c;
  private final Analysis a;
  private final QueryParser q;

  private StatementAnalyzer(List<Token> tokens, Analysis analysis) {
    this.c = new TokenCursor(tokens);
    this.a = analysis;
    this.q = new QueryParser(c, analysis);
  }

  /** Analyzes one statement's non-comment tokens. */
  static Analysis analyze(List<Token> tokens) {
    Analysis analysis = new Analysis();
    StatementAnalyzer analyzer = new StatementAnalyzer(tokens, analysis);
    analyzer.run();
    if (analyzer.q.bailedOut()) {
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
      case "create" -> create();
      case "alter" -> alter();
      case "drop" -> drop();
      case "truncate" -> truncate();
      case "refresh" -> refresh();
      case "comment" -> comment();
      case "grant", "revoke" -> grant();
      case "cluster" -> cluster();
      case "reindex" -> reindex();
      case "vacuum" -> vacuum();
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
      q.expression(Set.of(), false, false);
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
    List<Token> name = q.qualifiedName();
    if (c.is(TokenType.LEFT_PAREN)) {
      c.skipGroup();
    }
    boolean from = c.isWord("from");
    q.addRelation(name, from);
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

  // ---------------------------------------------------------------- DDL

  private void create() {
    writeUnknown();
    c.next();
    c.acceptAll("or", "replace");
    boolean temp = false;
    boolean materialized = false;
    boolean foreign = false;
    while (true) {
      if (c.accept("temporary") || c.accept("temp")) {
        temp = true;
      } else if (c.accept("global") || c.accept("local") || c.accept("unlogged")
          || c.accept("unique") || c.accept("recursive")) {
        continue;
      } else if (c.accept("materialized")) {
        materialized = true;
      } else if (c.accept("foreign")) {
        foreign = true;
      } else {
        break;
      }
    }
    if (c.isWord("index")) {
      createIndex();
      return;
    }
    if (c.isWord("policy") || c.isWord("trigger") || c.isWord("rule")) {
      targetAfterWord("on");
      return;
    }
    if (!(c.isWord("table") || c.isWord("view") || c.isWord("sequence"))) {
      return; // functions, types, schemas, roles …: unknown effect on cached results
    }
    String object = c.next().value();
    c.acceptAll("if", "not", "exists");
    List<Token> name = q.qualifiedName();
    if (name.isEmpty()) {
      return;
    }
    a.writeTargetsUnknown = false;
    q.addRelation(name, true);
    if (temp && !c.containsTopLevel("on", "commit", "drop")) {
      a.sessionScoped("CREATE TEMPORARY " + object.toUpperCase(java.util.Locale.ROOT));
    }
    if (object.equals("table") && !foreign) {
      int partitionOf = c.findTopLevel("partition");
      if (partitionOf >= 0 && c.peek(partitionOf - c.position() + 1).isWord("of")) {
        c.reset(partitionOf + 2);
        q.addRelation(q.qualifiedName(), true); // a new partition changes its parent's contents
      }
    }
    boolean runsQuery = object.equals("table") || materialized;
    int as = c.findTopLevel("as");
    if (runsQuery && as >= 0) {
      c.reset(as + 1);
      if (c.is(TokenType.LEFT_PAREN) || q.isQueryStart(0)) {
        if (!c.containsTopLevel("with", "no", "data")) {
          q.statement();
        }
      } else if (c.isWord("execute")) {
        a.writeTargetsUnknown = true;
      }
    }
    c.skipToEnd();
  }

  /** CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] table …. */
  private void createIndex() {
    targetAfterWord("on");
  }

  /** Records the relation after the first top-level {@code word} (… ON [ONLY] table) as written. */
  private void targetAfterWord(String word) {
    int on = c.findTopLevel(word);
    if (on < 0) {
      return;
    }
    c.reset(on + 1);
    c.accept("only");
    List<Token> name = q.qualifiedName();
    if (!name.isEmpty()) {
      a.writeTargetsUnknown = false;
      q.addRelation(name, true);
    }
    if (c.containsTopLevel("cascade")) {
      a.writeTargetsUnknown = true;
    }
    c.skipToEnd();
  }

  private void alter() {
    writeUnknown();
    c.next();
    c.accept("materialized");
    c.accept("foreign");
    if (c.isWord("policy") || c.isWord("trigger") || c.isWord("rule")) {
      targetAfterWord("on");
      return;
    }
    if (!RELATION_OBJECTS.contains(c.peek().value()) || c.peek().quoted()) {
      return;
    }
    c.next();
    if (c.isWord("all")) {
      return; // ALTER TABLE ALL IN TABLESPACE …
    }
    c.acceptAll("if", "exists");
    c.accept("only");
    List<Token> name = q.qualifiedName();
    if (name.isEmpty()) {
      return;
    }
    a.writeTargetsUnknown = false;
    q.addRelation(name, true);
    for (String clause : new String[] {"attach", "detach"}) {
      int at = c.findTopLevel(clause);
      if (at >= 0 && c.peek(at - c.position() + 1).isWord("partition")) {
        int save = c.position();
        c.reset(at + 2);
        q.addRelation(q.qualifiedName(), true);
        c.reset(save);
      }
    }
    int rename = c.findTopLevel("rename");
    if (rename >= 0) {
      int to = c.findTopLevel("to");
      if (to > rename && c.peek(to - c.position() - 1).isWord("rename")) {
        c.reset(to + 1);
        q.addRelation(q.qualifiedName(), true); // the new name: harmless, and symmetric
      }
    }
    c.skipToEnd();
  }

  private void drop() {
    writeUnknown();
    c.next();
    c.accept("materialized");
    c.accept("foreign");
    if (c.isWord("policy") || c.isWord("trigger") || c.isWord("rule")) {
      targetAfterWord("on");
      return;
    }
    if (!RELATION_OBJECTS.contains(c.peek().value()) || c.peek().quoted()) {
      return;
    }
    c.next();
    c.acceptAll("if", "exists");
    relationList();
    // CASCADE drops dependent views (and more) that we cannot name.
    a.writeTargetsUnknown = c.isWord("cascade") || a.writes.isEmpty();
    c.skipToEnd();
  }

  private void truncate() {
    a.kind = StatementKind.WRITE;
    c.next();
    c.accept("table");
    relationList();
    // CASCADE also truncates every table with a foreign key to these.
    a.writeTargetsUnknown = c.containsTopLevel("cascade") || a.writes.isEmpty();
    c.skipToEnd();
  }

  /** [ONLY] name [*] [, …] into the write set. */
  private void relationList() {
    do {
      c.accept("only");
      List<Token> name = q.qualifiedName();
      if (name.isEmpty()) {
        return;
      }
      q.addRelation(name, true);
      if (c.peek().text().equals("*")) {
        c.next();
      }
    } while (c.accept(TokenType.COMMA));
  }

  private void refresh() {
    writeUnknown();
    if (c.acceptAll("refresh", "materialized", "view")) {
      c.accept("concurrently");
      List<Token> name = q.qualifiedName();
      if (!name.isEmpty()) {
        a.writeTargetsUnknown = false;
        q.addRelation(name, true);
      }
    }
    c.skipToEnd();
  }

  /** COMMENT ON TABLE/VIEW/COLUMN …: names the relation; other objects are unknown. */
  private void comment() {
    writeUnknown();
    if (!c.acceptAll("comment", "on")) {
      return;
    }
    c.accept("materialized");
    c.accept("foreign");
    boolean column = c.isWord("column");
    if (!column && !RELATION_OBJECTS.contains(c.peek().value())) {
      return;
    }
    c.next();
    List<Token> name = q.qualifiedName();
    if (column && name.size() >= 2) {
      name = name.subList(0, name.size() - 1);
    } else if (column) {
      return;
    }
    a.writeTargetsUnknown = false;
    q.addRelation(name, true);
    c.skipToEnd();
  }

  /**
   * GRANT/REVOKE … ON [TABLE] names change what a role may read, so cached results for these
   * relations are invalidated. Anything else (role membership, schemas, ALL TABLES IN SCHEMA,
   * functions) has an effect we cannot name.
   */
  private void grant() {
    writeUnknown();
    int on = c.findTopLevel("on");
    if (on < 0) {
      return;
    }
    c.reset(on + 1);
    c.accept("table");
    if (c.isWord("all") || Set.of("sequence", "function", "procedure", "routine", "schema",
        "database", "domain", "type", "language", "large", "foreign", "tablespace", "parameter")
        .contains(c.peek().value())) {
      return;
    }
    relationList();
    a.writeTargetsUnknown = a.writes.isEmpty();
    c.skipToEnd();
  }

  /** CLUSTER [VERBOSE] [(…)] [table [USING index]] or the old CLUSTER index ON table. */
  private void cluster() {
    writeUnknown();
    c.next();
    c.accept("verbose");
    if (c.is(TokenType.LEFT_PAREN)) {
      c.skipGroup();
    }
    int on = c.findTopLevel("on");
    if (on >= 0) {
      c.reset(on + 1);
    }
    List<Token> name = q.qualifiedName();
    if (!name.isEmpty()) {
      a.writeTargetsUnknown = false;
      q.addRelation(name, true);
    }
    c.skipToEnd();
  }

  private void reindex() {
    writeUnknown();
    c.next();
    if (c.is(TokenType.LEFT_PAREN)) {
      c.skipGroup();
    }
    if (c.accept("table")) {
      c.accept("concurrently");
      List<Token> name = q.qualifiedName();
      if (!name.isEmpty()) {
        a.writeTargetsUnknown = false;
        q.addRelation(name, true);
      }
    }
    c.skipToEnd();
  }

  /**
   * VACUUM FULL is a WRITE: like CLUSTER it rewrites the heap, so an unordered SELECT may return
   * rows in a different order afterwards; invalidating keeps proxy and origin answers identical
   * (differential tests compare them). Plain VACUUM moves no live rows and is OTHER.
   */
  private void vacuum() {
    c.next();
    boolean full = false;
    if (c.accept(TokenType.LEFT_PAREN)) {
      while (!c.atEnd() && !c.is(TokenType.RIGHT_PAREN)) {
        Token option = c.next();
        if (option.isWord("full")) {
          full = !(c.isWord("false") || c.isWord("off") || c.isWord("no") || c.peek().text().equals("0"));
        }
      }
      c.accept(TokenType.RIGHT_PAREN);
    } else {
      while (c.isWord("full") || c.isWord("freeze") || c.isWord("verbose")
          || c.isWord("analyze") || c.isWord("analyse")) {
        full |= c.next().isWord("full");
      }
    }
    if (!full) {
      a.kind = StatementKind.OTHER;
      c.skipToEnd();
      return;
    }
    a.kind = StatementKind.WRITE;
    do {
      List<Token> name = q.qualifiedName();
      if (name.isEmpty()) {
        break;
      }
      q.addRelation(name, true);
      if (c.is(TokenType.LEFT_PAREN)) {
        c.skipGroup(); // column list
      }
    } while (c.accept(TokenType.COMMA));
    a.writeTargetsUnknown = a.writes.isEmpty();
    c.skipToEnd();
  }
}
