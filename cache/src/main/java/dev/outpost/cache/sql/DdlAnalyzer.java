package dev.outpost.cache.sql;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * DDL and maintenance statements: all are WRITE. Where the affected relations can be named from
 * the text (CREATE/ALTER/DROP of tables, views, sequences; indexes, policies, rules and triggers ON
 * a table; TRUNCATE; REFRESH; COMMENT ON; GRANT/REVOKE ON tables; CLUSTER; REINDEX TABLE; VACUUM
 * FULL) they are reported as writes; otherwise, and whenever CASCADE may reach further, the
 * targets are unknown and the proxy invalidates the whole database.
 */
final class DdlAnalyzer {

  private static final Set<String> RELATION_OBJECTS = Set.of("table", "view", "sequence");
  private static final Set<String> NON_TABLE_GRANT_OBJECTS =
      Set.of(
          "sequence", "function", "procedure", "routine", "schema", "database", "domain", "type",
          "language", "large", "foreign", "tablespace", "parameter");

  private final ParseState s;
  private final TokenCursor c;
  private final Analysis a;
  private final QueryParser q;

  DdlAnalyzer(ParseState state) {
    this.s = state;
    this.c = state.cursor;
    this.a = state.analysis;
    this.q = state.queries;
  }

  private void writeUnknown() {
    a.kind = StatementKind.WRITE;
    a.writeTargetsUnknown = true;
  }

  void create() {
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
      // functions, types, schemas, roles …: unknown effect on cached results; one made in
      // pg_temp exists for this session only
      if (c.isWord("function") || c.isWord("procedure") || c.isWord("type") || c.isWord("domain")
          || c.isWord("aggregate")) {
        String object = c.next().value();
        if (ParseState.inTemporarySchema(s.qualifiedName())) {
          a.sessionScoped("CREATE " + object.toUpperCase(Locale.ROOT) + " in pg_temp");
        }
      }
      return;
    }
    String object = c.next().value();
    c.acceptAll("if", "not", "exists");
    List<Token> name = s.qualifiedName();
    if (name.isEmpty()) {
      return;
    }
    a.writeTargetsUnknown = false;
    s.addRelation(name, true);
    if ((temp || ParseState.inTemporarySchema(name)) && !c.containsTopLevel("on", "commit", "drop")) {
      a.sessionScoped("CREATE TEMPORARY " + object.toUpperCase(Locale.ROOT));
    }
    if (object.equals("table") && !foreign) {
      int partitionOf = c.findTopLevel("partition");
      if (partitionOf >= 0 && c.peek(partitionOf - c.position() + 1).isWord("of")) {
        c.reset(partitionOf + 2);
        s.addRelation(s.qualifiedName(), true); // a new partition changes its parent's contents
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
    List<Token> name = s.qualifiedName();
    if (!name.isEmpty()) {
      a.writeTargetsUnknown = false;
      s.addRelation(name, true);
    }
    if (c.containsTopLevel("cascade")) {
      a.writeTargetsUnknown = true;
    }
    c.skipToEnd();
  }

  void alter() {
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
    List<Token> name = s.qualifiedName();
    if (name.isEmpty()) {
      return;
    }
    a.writeTargetsUnknown = false;
    s.addRelation(name, true);
    for (String clause : new String[] {"attach", "detach"}) {
      int at = c.findTopLevel(clause);
      if (at >= 0 && c.peek(at - c.position() + 1).isWord("partition")) {
        int save = c.position();
        c.reset(at + 2);
        s.addRelation(s.qualifiedName(), true);
        c.reset(save);
      }
    }
    int rename = c.findTopLevel("rename");
    if (rename >= 0) {
      int to = c.findTopLevel("to");
      if (to > rename && c.peek(to - c.position() - 1).isWord("rename")) {
        c.reset(to + 1);
        s.addRelation(s.qualifiedName(), true); // the new name: harmless, and symmetric
      }
    }
    c.skipToEnd();
  }

  void drop() {
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

  void truncate() {
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
      List<Token> name = s.qualifiedName();
      if (name.isEmpty()) {
        return;
      }
      s.addRelation(name, true);
      if (c.peek().text().equals("*")) {
        c.next();
      }
    } while (c.accept(TokenType.COMMA));
  }

  void refresh() {
    writeUnknown();
    if (c.acceptAll("refresh", "materialized", "view")) {
      c.accept("concurrently");
      List<Token> name = s.qualifiedName();
      if (!name.isEmpty()) {
        a.writeTargetsUnknown = false;
        s.addRelation(name, true);
      }
    }
    c.skipToEnd();
  }

  /** COMMENT ON TABLE/VIEW/COLUMN …: names the relation; other objects are unknown. */
  void comment() {
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
    List<Token> name = s.qualifiedName();
    if (column && name.size() >= 2) {
      name = name.subList(0, name.size() - 1);
    } else if (column) {
      return;
    }
    a.writeTargetsUnknown = false;
    s.addRelation(name, true);
    c.skipToEnd();
  }

  /**
   * GRANT/REVOKE … ON [TABLE] names change what a role may read, so cached results for these
   * relations are invalidated. Anything else (role membership, schemas, ALL TABLES IN SCHEMA,
   * functions) has an effect we cannot name.
   */
  void grant() {
    writeUnknown();
    int on = c.findTopLevel("on");
    if (on < 0) {
      return;
    }
    c.reset(on + 1);
    c.accept("table");
    if (c.isWord("all") || NON_TABLE_GRANT_OBJECTS.contains(c.peek().value())) {
      return;
    }
    relationList();
    a.writeTargetsUnknown = a.writes.isEmpty();
    c.skipToEnd();
  }

  /** CLUSTER [VERBOSE] [(…)] [table [USING index]] or the old CLUSTER index ON table. */
  void cluster() {
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
    List<Token> name = s.qualifiedName();
    if (!name.isEmpty()) {
      a.writeTargetsUnknown = false;
      s.addRelation(name, true);
    }
    c.skipToEnd();
  }

  void reindex() {
    writeUnknown();
    c.next();
    if (c.is(TokenType.LEFT_PAREN)) {
      c.skipGroup();
    }
    if (c.accept("table")) {
      c.accept("concurrently");
      List<Token> name = s.qualifiedName();
      if (!name.isEmpty()) {
        a.writeTargetsUnknown = false;
        s.addRelation(name, true);
      }
    }
    c.skipToEnd();
  }

  /**
   * VACUUM FULL is a WRITE: like CLUSTER it rewrites the heap, so an unordered SELECT may return
   * rows in a different order afterwards; invalidating keeps proxy and origin answers identical
   * (differential tests compare them). Plain VACUUM moves no live rows and is OTHER.
   */
  void vacuum() {
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
      List<Token> name = s.qualifiedName();
      if (name.isEmpty()) {
        break;
      }
      s.addRelation(name, true);
      if (c.is(TokenType.LEFT_PAREN)) {
        c.skipGroup(); // column list
      }
    } while (c.accept(TokenType.COMMA));
    a.writeTargetsUnknown = a.writes.isEmpty();
    c.skipToEnd();
  }
}
