package dev.outpost.cache.sql;

import dev.outpost.cache.sql.SessionCommand.DiscardScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parses the tokens of one SET/RESET/DISCARD/DEALLOCATE statement; see {@link SessionCommand}. */
final class SessionCommandParser {

  private final TokenCursor c;

  private SessionCommandParser(List<Token> tokens) {
    this.c = new TokenCursor(tokens);
  }

  static List<SessionCommand> parse(List<Token> tokens) {
    SessionCommandParser p = new SessionCommandParser(tokens);
    if (p.c.accept("set")) {
      return p.set();
    }
    if (p.c.accept("reset")) {
      return List.of(p.reset());
    }
    if (p.c.accept("discard")) {
      return p.discard();
    }
    if (p.c.accept("deallocate")) {
      return p.deallocate();
    }
    return List.of();
  }

  private List<SessionCommand> set() {
    boolean local = false;
    if (c.accept("local")) {
      local = true;
    } else if (c.isWord("session") && !c.isWord(1, "characteristics") && !c.isWord(1, "authorization")) {
      c.next();
    }
    if (c.acceptAll("session", "characteristics", "as", "transaction")) {
      return transactionModes("default_transaction_", false);
    }
    if (c.accept("transaction")) {
      if (c.accept("snapshot")) {
        return single(new SessionCommand.SetVariable("transaction_snapshot", restAsSql(), true));
      }
      return transactionModes("transaction_", true);
    }
    if (c.acceptAll("session", "authorization")) {
      return roleLike("session_authorization", "SET SESSION AUTHORIZATION", local);
    }
    if (c.accept("role")) {
      return roleLike("role", "SET ROLE", local);
    }
    if (c.accept("constraints")) {
      return single(new SessionCommand.SetVariable("constraints", restAsSql(), true));
    }
    if (c.acceptAll("time", "zone")) {
      if (c.remaining().size() == 1 && (c.isWord("local") || c.isWord("default"))) {
        return single(local
            ? new SessionCommand.SetVariable("timezone", "DEFAULT", true)
            : new SessionCommand.ResetVariable("timezone"));
      }
      return value("timezone", local);
    }
    if (c.accept("names")) {
      return value("client_encoding", local);
    }
    if (c.accept("schema")) {
      return value("search_path", local);
    }
    if (c.acceptAll("xml", "option")) {
      return value("xmloption", local);
    }
    String name = variableName();
    if (name == null) {
      return unrecognized();
    }
    if (c.acceptAll("from", "current")) {
      return single(new SessionCommand.Untrackable("SET " + name + " FROM CURRENT", false));
    }
    if (!c.accept("to") && !(c.is(TokenType.OPERATOR) && c.peek().text().equals("="))) {
      return unrecognized();
    }
    if (c.is(TokenType.OPERATOR)) {
      c.next();
    }
    if (!local && (name.equals("role") || name.equals("session_authorization"))) {
      return single(new SessionCommand.Untrackable(
          name.equals("role") ? "SET ROLE" : "SET SESSION AUTHORIZATION", true));
    }
    return value(name, local);
  }

  /** SET ROLE / SET SESSION AUTHORIZATION: only the LOCAL form is harmless under pooling. */
  private List<SessionCommand> roleLike(String name, String feature, boolean local) {
    if (!local) {
      return single(new SessionCommand.Untrackable(feature, true));
    }
    String v = restAsSql();
    return v.isEmpty() ? unrecognized() : single(new SessionCommand.SetVariable(name, v, true));
  }

  private List<SessionCommand> value(String name, boolean local) {
    String v = restAsSql();
    if (v.isEmpty()) {
      return unrecognized();
    }
    if (!local && v.equalsIgnoreCase("default")) {
      return single(new SessionCommand.ResetVariable(name));
    }
    return single(new SessionCommand.SetVariable(name, v, local));
  }

  /** ISOLATION LEVEL …, READ ONLY | READ WRITE, [NOT] DEFERRABLE, comma-separated or not. */
  private List<SessionCommand> transactionModes(String prefix, boolean local) {
    List<SessionCommand> out = new ArrayList<>();
    while (!c.atEnd()) {
      if (c.accept(TokenType.COMMA)) {
        continue;
      }
      if (c.acceptAll("isolation", "level")) {
        String level;
        if (c.accept("serializable")) {
          level = "serializable";
        } else if (c.acceptAll("repeatable", "read")) {
          level = "repeatable read";
        } else if (c.acceptAll("read", "committed")) {
          level = "read committed";
        } else if (c.acceptAll("read", "uncommitted")) {
          level = "read uncommitted";
        } else {
          return unrecognized();
        }
        out.add(new SessionCommand.SetVariable(prefix + "isolation", "'" + level + "'", local));
      } else if (c.acceptAll("read", "only")) {
        out.add(new SessionCommand.SetVariable(prefix + "read_only", "on", local));
      } else if (c.acceptAll("read", "write")) {
        out.add(new SessionCommand.SetVariable(prefix + "read_only", "off", local));
      } else if (c.acceptAll("not", "deferrable")) {
        out.add(new SessionCommand.SetVariable(prefix + "deferrable", "off", local));
      } else if (c.accept("deferrable")) {
        out.add(new SessionCommand.SetVariable(prefix + "deferrable", "on", local));
      } else {
        return unrecognized();
      }
    }
    return out.isEmpty() ? unrecognized() : List.copyOf(out);
  }

  private SessionCommand reset() {
    if (c.accept("all") && c.atEnd()) {
      return new SessionCommand.ResetAll();
    }
    if (c.acceptAll("time", "zone")) {
      return new SessionCommand.ResetVariable("timezone");
    }
    if (c.acceptAll("session", "authorization")) {
      return new SessionCommand.ResetVariable("session_authorization");
    }
    if (c.acceptAll("transaction", "isolation", "level")) {
      return new SessionCommand.ResetVariable("transaction_isolation");
    }
    String name = variableName();
    if (name == null || !c.atEnd()) {
      return new SessionCommand.Untrackable("RESET (unrecognized form)", false);
    }
    return new SessionCommand.ResetVariable(name);
  }

  private List<SessionCommand> discard() {
    Token what = c.next();
    if (!c.atEnd()) {
      return unrecognized();
    }
    DiscardScope scope =
        switch (what.isIdentifier() && !what.quoted() ? what.value() : "") {
          case "all" -> DiscardScope.ALL;
          case "plans" -> DiscardScope.PLANS;
          case "sequences" -> DiscardScope.SEQUENCES;
          case "temp", "temporary" -> DiscardScope.TEMP;
          default -> null;
        };
    return scope == null ? unrecognized() : single(new SessionCommand.Discard(scope));
  }

  private List<SessionCommand> deallocate() {
    c.accept("prepare");
    Token name = c.next();
    if (!name.isIdentifier() || !c.atEnd() || name.value().isEmpty()) {
      return unrecognized();
    }
    if (name.isWord("all")) {
      return single(new SessionCommand.DeallocateAll());
    }
    return single(new SessionCommand.Deallocate(name.value()));
  }

  /** {@code a} or {@code a.b.c}, lower-cased: GUC names are case-insensitive. */
  private String variableName() {
    if (!c.is(TokenType.IDENTIFIER)) {
      return null;
    }
    StringBuilder name = new StringBuilder(c.next().value());
    while (c.is(TokenType.DOT) && c.is(1, TokenType.IDENTIFIER)) {
      c.next();
      name.append('.').append(c.next().value());
    }
    String n = name.toString().toLowerCase(Locale.ROOT);
    return n.isEmpty() ? null : n;
  }

  /** The remaining tokens as SQL: verbatim text, one space where the source had any gap. */
  private String restAsSql() {
    StringBuilder out = new StringBuilder();
    Token previous = null;
    for (Token t : c.remaining()) {
      if (previous != null && t.start() > previous.end()) {
        out.append(' ');
      }
      out.append(t.text());
      previous = t;
    }
    c.skipToEnd();
    return out.toString();
  }

  private List<SessionCommand> unrecognized() {
    c.skipToEnd();
    return single(new SessionCommand.Untrackable("unrecognized " + firstWords(), false));
  }

  private String firstWords() {
    StringBuilder s = new StringBuilder();
    for (Token t : c.tokensFromStart()) {
      if (!t.isIdentifier() || t.quoted() || s.length() > 20) {
        break;
      }
      s.append(s.length() == 0 ? "" : " ").append(t.value().toUpperCase(Locale.ROOT));
    }
    return s.toString();
  }

  private static List<SessionCommand> single(SessionCommand command) {
    return List.of(command);
  }
}
