package dev.outpost.proxy.session;

import dev.outpost.cache.sql.SessionCommand;
import dev.outpost.cache.sql.Token;
import dev.outpost.wire.Frame;
import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import dev.outpost.wire.Sqlstate;
import dev.outpost.wire.backend.CommandComplete;
import dev.outpost.wire.backend.DataRow;
import dev.outpost.wire.backend.EmptyResponse;
import dev.outpost.wire.backend.ErrorFields;
import dev.outpost.wire.backend.RowDescription;
import dev.outpost.wire.frontend.Describe;
import dev.outpost.wire.frontend.Parse;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Outpost's own session setting, {@code outpost.cache} (DESIGN §6.7): {@code SET outpost.cache =
 * on|off}, {@code RESET outpost.cache} and {@code SHOW outpost.cache} are answered by the node and
 * never sent to the origin, in the simple protocol and as an extended batch {@code [Parse] Bind
 * [Describe] Execute Sync}, whenever the client is between transactions. (Inside a transaction
 * the statement travels with the transaction — Postgres accepts the dotted name as a
 * placeholder — and takes effect when it commits.)
 */
final class OutpostCommands {
  static final String SETTING = "outpost.cache";

  private enum Kind { SET, RESET, SHOW }

  private record Command(Kind kind, Boolean value, String error) {}

  private OutpostCommands() {}

  /**
   * Answers the head batch when it is an outpost.cache command on its own (one statement; in the
   * extended protocol one Execute); true when it consumed it.
   */
  static boolean answer(ClientSession s) {
    Iterator<Frame> it = s.pendingFrames();
    Frame head = it.next();
    if (head.type() == FrontendType.QUERY.code()) {
      ByteBuf body = head.body();
      if (!mayStartCommand(body, body.readerIndex())) {
        return false;
      }
      Command c = parse(head.firstString());
      if (c == null) {
        return false;
      }
      s.takePending().release();
      reply(s, c, true, true);
      s.writeReady();
      return true;
    }
    // extended: [Parse] Bind [Describe] Execute Sync, all about one outpost.cache statement
    List<Frame> batch = new ArrayList<>();
    String sql = null;
    int executes = 0;
    Frame f = head;
    while (true) {
      batch.add(f);
      byte t = f.type();
      if (t == FrontendType.SYNC.code()) {
        break;
      }
      if (t == FrontendType.EXECUTE.code() && ++executes > 1) {
        return false; // more than the command in one batch: it travels with the rest
      }
      if (t == FrontendType.PARSE.code()) {
        ByteBuf body = f.body();
        int nameEnd = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        if (nameEnd >= 0 && !mayStartCommand(body, nameEnd + 1)) {
          return false;
        }
        sql = Parse.of(f).sql();
      } else if (t == FrontendType.BIND.code() && sql == null) {
        var body = f.body();
        PgBuf.skipCString(body);
        String name = PgBuf.readCString(body);
        ClientStatement cs = name.isEmpty() ? s.forwarder.unnamed : s.forwarder.statements.get(name);
        if (cs == null || !cs.isOutpostCommand()) {
          return false;
        }
        sql = cs.sql;
      } else if (t != FrontendType.BIND.code() && t != FrontendType.DESCRIBE.code()
          && t != FrontendType.EXECUTE.code()) {
        return false;
      }
      if (!it.hasNext()) {
        return false;
      }
      f = it.next();
    }
    Command c = sql == null ? null : parse(sql);
    if (c == null) {
      return false;
    }
    boolean failed = false;
    for (int i = 0; i < batch.size(); i++) {
      Frame m = s.takePending();
      try {
        byte t = m.type();
        if (t == FrontendType.SYNC.code()) {
          s.writeReady();
        } else if (failed) {
          continue; // skipped after the error, as Postgres would
        } else if (t == FrontendType.PARSE.code()) {
          Parse p = Parse.of(m);
          if (p.statement().isEmpty()) {
            s.forwarder.unnamed = ClientStatement.unnamed(p.sql(), p.parameterTypes());
          } else {
            s.forwarder.statements.put(p.statement(), ClientStatement.named(p.sql(), p.parameterTypes()));
          }
          s.toClient(EmptyResponse.PARSE_COMPLETE);
        } else if (t == FrontendType.BIND.code()) {
          s.toClient(EmptyResponse.BIND_COMPLETE);
        } else if (t == FrontendType.DESCRIBE.code()) {
          if (Describe.decode(m.body()).isStatement()) {
            s.toClient(new dev.outpost.wire.backend.ParameterDescription(new int[0]));
          }
          if (c.kind() == Kind.SHOW) {
            s.toClient(RowDescription.text(List.of(SETTING)));
          } else {
            s.toClient(EmptyResponse.NO_DATA);
          }
        } else if (t == FrontendType.EXECUTE.code()) {
          failed = !reply(s, c, false, false);
        }
      } finally {
        m.release();
      }
    }
    return true;
  }

  /** Sends the command's result; false when it failed (an ErrorResponse was sent). */
  private static boolean reply(ClientSession s, Command c, boolean simple, boolean withDescription) {
    if (c.error() != null) {
      s.writeError(ErrorFields.of("ERROR", Sqlstate.INVALID_PARAMETER_VALUE, c.error(), null,
          "use SET outpost.cache = on or SET outpost.cache = off"));
      return false;
    }
    switch (c.kind()) {
      case SET:
        s.sessionCacheOn = c.value();
        s.toClient(new CommandComplete("SET"));
        break;
      case RESET:
        s.sessionCacheOn = true;
        s.toClient(new CommandComplete("RESET"));
        break;
      default:
        if (withDescription) {
          s.toClient(RowDescription.text(List.of(SETTING)));
        }
        s.toClient(new DataRow(List.of(s.sessionCacheOn ? "on" : "off")));
        s.toClient(new CommandComplete("SHOW"));
        break;
    }
    return true;
  }

  /** Whether {@code sql} is an outpost.cache command. */
  static boolean isCommand(String sql) {
    return parse(sql) != null;
  }

  /** The outpost.cache command in {@code sql}, or null when it is not one. */
  private static Command parse(String sql) {
    String first = firstWord(sql);
    if (!("set".equals(first) || "reset".equals(first) || "show".equals(first))
        || !sql.toLowerCase(Locale.ROOT).contains("outpost")) {
      return null; // every other statement of every request passes here: keep it cheap
    }
    if (SqlInspector.statements(sql).size() > 1) {
      // with other statements in one query string: the whole string goes to the origin, where
      // outpost.cache is a placeholder, and the setting counts when its transaction commits (the
      // node must not answer the SET alone and drop the statements after it)
      return null;
    }
    List<Token> words = SqlInspector.words(sql);
    if (words.size() == 4 && words.get(0).isWord("show") && isSettingName(words, 1)) {
      return new Command(Kind.SHOW, null, null);
    }
    for (SessionCommand cmd : SessionCommand.parse(sql)) {
      if (cmd instanceof SessionCommand.SetVariable v && SETTING.equals(v.name()) && !v.local()) {
        Boolean on = bool(v.value());
        return on == null
            ? new Command(Kind.SET, null, "invalid value for parameter \"" + SETTING + "\": " + v.value())
            : new Command(Kind.SET, on, null);
      }
      if (cmd instanceof SessionCommand.ResetVariable r && SETTING.equals(r.name())) {
        return new Command(Kind.RESET, null, null);
      }
    }
    return null;
  }

  /**
   * A byte-level first look at SQL text starting at {@code from}: false when it certainly does not
   * begin with SET, RESET or SHOW (its first keyword is another word), so that ordinary requests
   * are not decoded twice. Comments and other leading characters are left to {@link #parse}.
   * Allocates nothing: every request of every client passes here.
   */
  static boolean mayStartCommand(ByteBuf buf, int from) {
    int end = buf.writerIndex();
    int i = from;
    while (i < end && isSpace(buf.getByte(i))) {
      i++;
    }
    if (i >= end || buf.getByte(i) == 0) {
      return false;
    }
    if (!isLetter(buf.getByte(i))) {
      return true; // comments and anything unusual: parse() decides
    }
    int start = i;
    while (i < end && isLetter(buf.getByte(i))) {
      i++;
    }
    if (i < end && isIdentifierPart(buf.getByte(i))) {
      return false; // the word goes on (digits, _, $, non-ASCII): no command keyword
    }
    return isWord(buf, start, i, "set") || isWord(buf, start, i, "reset") || isWord(buf, start, i, "show");
  }

  private static boolean isWord(ByteBuf buf, int start, int end, String lowerCaseWord) {
    if (end - start != lowerCaseWord.length()) {
      return false;
    }
    for (int k = 0; k < lowerCaseWord.length(); k++) {
      if ((buf.getByte(start + k) | 0x20) != lowerCaseWord.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f';
  }

  private static boolean isLetter(byte b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
  }

  private static boolean isIdentifierPart(byte b) {
    return (b >= '0' && b <= '9') || b == '_' || b == '$' || b < 0;
  }

  /**
   * The statement's first keyword in lower case, after whitespace and comments ({@code --} lines
   * and nested block comments); empty when it does not start with a letter.
   */
  static String firstWord(String sql) {
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int eol = sql.indexOf('\n', i);
        i = eol < 0 ? n : eol + 1;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int depth = 1;
        i += 2;
        while (i < n && depth > 0) {
          if (sql.startsWith("/*", i)) {
            depth++;
            i += 2;
          } else if (sql.startsWith("*/", i)) {
            depth--;
            i += 2;
          } else {
            i++;
          }
        }
      } else {
        break;
      }
    }
    int start = i;
    while (i < n && i - start < 8 && Character.isLetter(sql.charAt(i))) {
      i++;
    }
    return sql.substring(start, i).toLowerCase(Locale.ROOT);
  }

  private static boolean isSettingName(List<Token> words, int at) {
    return words.get(at).isWord("outpost") && ".".equals(words.get(at + 1).text()) && words.get(at + 2).isWord("cache");
  }

  static Boolean bool(String valueSql) {
    String v = valueSql.trim();
    if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
      v = v.substring(1, v.length() - 1);
    }
    switch (v.toLowerCase(Locale.ROOT)) {
      case "on": case "true": case "yes": case "1": case "default":
        return Boolean.TRUE;
      case "off": case "false": case "no": case "0":
        return Boolean.FALSE;
      default:
        return null;
    }
  }
}
