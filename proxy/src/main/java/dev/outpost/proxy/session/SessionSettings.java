package dev.outpost.proxy.session;

import dev.outpost.cache.sql.SessionCommand;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The run-time settings of one client session, as Outpost must reproduce them on whichever origin
 * backend serves the client next (DESIGN §5.3): the client's startup parameters plus the SET and
 * RESET it ran outside rolled-back transactions.
 *
 * <p>Each setting is stored as the SQL command that establishes it, so applying the difference
 * between two backends is string concatenation. Startup values use {@code set_config(…, false)},
 * which reads the value exactly as a startup packet would (lists stay lists); values from SET
 * statements are replayed with the client's own value text.
 *
 * <p>Snapshots are immutable maps: when a backend's applied snapshot is the same object as the
 * client's, nothing needs to be sent.
 */
final class SessionSettings {
  /**
   * The settings of a backend whose state Outpost lost track of; applying to it starts with
   * RESET ALL.
   */
  static final Map<String, String> UNKNOWN = Collections.unmodifiableMap(new HashMap<>());

  private final Map<String, String> startup;
  private Map<String, String> current;

  SessionSettings(Map<String, String> startupParameters) {
    Map<String, String> s = new LinkedHashMap<>();
    startupParameters.forEach((name, value) -> s.put(normalize(name), startupCommand(normalize(name), value)));
    this.startup = shared(Collections.unmodifiableMap(s));
    this.current = startup;
  }

  /**
   * Startup snapshots by their entries in order, shared by the sessions that connect with the same
   * parameters: a backend that served one of them then has the next one's settings by identity,
   * and choosing it compares nothing. Bounded: beyond it, snapshots are simply not shared.
   */
  private static final java.util.concurrent.ConcurrentHashMap<List<Map.Entry<String, String>>, Map<String, String>>
      SHARED_STARTUP = new java.util.concurrent.ConcurrentHashMap<>();
  static final int MAX_SHARED_STARTUP = 1024;

  private static Map<String, String> shared(Map<String, String> snapshot) {
    List<Map.Entry<String, String>> entries = snapshot.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue())).toList();
    Map<String, String> known = SHARED_STARTUP.get(entries);
    if (known != null) {
      return known;
    }
    if (SHARED_STARTUP.size() >= MAX_SHARED_STARTUP) {
      return snapshot;
    }
    known = SHARED_STARTUP.putIfAbsent(entries, snapshot);
    return known != null ? known : snapshot;
  }

  /**
   * Settings that never change what a query returns; they are left out of cache keys so that,
   * e.g., two applications with different names share entries.
   */
  private static final java.util.Set<String> RESULT_NEUTRAL = java.util.Set.of("application_name",
      "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "idle_session_timeout",
      "transaction_timeout", "client_min_messages", "log_statement", "log_min_duration_statement",
      "log_min_messages", "tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count",
      "tcp_user_timeout", "work_mem", "maintenance_work_mem", "jit");

  private Map<String, String> keyedFor;
  private String keySettings;
  /**
   * Set when the session ran something that may have changed settings or the role without Outpost
   * seeing the value (set_config(), DO, CALL, SET ROLE …): a random token that makes this
   * session's cache keys its own until its state is known again. Random, not a counter, because
   * entries are shared by every node of a region.
   */
  private String untracked;

  /**
   * The canonical form of every setting that may shape results (all tracked settings except a
   * short list of known result-neutral ones), for the cache key (DESIGN §6.2).
   */
  String cacheKeySettings() {
    if (keyedFor != current) {
      Map<String, String> shaping = new java.util.TreeMap<>();
      current.forEach((k, v) -> {
        if (!RESULT_NEUTRAL.contains(k)) {
          shaping.put(k, v);
        }
      });
      if (untracked != null) {
        shaping.put(UNTRACKED_KEY, untracked); // not a valid setting name: no SET can produce it
      }
      keySettings = dev.outpost.cache.CacheKey.canonicalSettings(shaping);
      keyedFor = current;
    }
    return keySettings;
  }

  /** The key-settings entry that holds the untracked-state token. */
  static final String UNTRACKED_KEY = "outpost untracked state";

  /** Something changed settings or the role behind Outpost's back: keys become this session's own. */
  void untrackedChange() {
    java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
    untracked = Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong());
    keyedFor = null;
  }

  /** The session's state is known again (its backend was reset, or DISCARD ALL ran). */
  void trackedAgain() {
    if (untracked != null) {
      untracked = null;
      keyedFor = null;
    }
  }

  /** Whether an untracked change happened since the state was last known. */
  boolean hasUntrackedChange() {
    return untracked != null;
  }

  /** The settings as commands, keyed by lower-case name; immutable. */
  Map<String, String> current() {
    return current;
  }

  /** Records {@code SET name = valueSql} (valueSql is the statement's own value text). */
  void set(String name, String valueSql) {
    String key = normalize(name);
    Map<String, String> next = new LinkedHashMap<>(current);
    next.put(key, setCommand(current.get(key), key, valueSql, startup.get(key)));
    current = Collections.unmodifiableMap(next);
  }

  /**
   * The command that records {@code SET key = valueSql} after {@code previous}: the SET itself, but
   * for DateStyle the canonical command of the value in force (see {@link DateStyles}).
   */
  private static String setCommand(String previous, String key, String valueSql, String reset) {
    if (key.equals("datestyle")) {
      String merged = DateStyles.after(previous, valueSql, reset);
      if (merged != null) {
        return merged;
      }
    }
    return SessionCommand.renderSet(key, valueSql);
  }

  private static String startupCommand(String key, String value) {
    if (key.equals("datestyle")) {
      String merged = DateStyles.after(null, quoteLiteral(value), null);
      if (merged != null) {
        return merged;
      }
    }
    return setConfig(key, value);
  }

  /** Records {@code RESET name}: back to the startup value, or to the server default. */
  void reset(String name) {
    String key = normalize(name);
    Map<String, String> next = new LinkedHashMap<>(current);
    String initial = startup.get(key);
    if (initial != null) {
      next.put(key, initial);
    } else {
      next.remove(key);
    }
    current = Collections.unmodifiableMap(next);
  }

  /** Records {@code RESET ALL} (also what DISCARD ALL does to settings). */
  void resetAll() {
    current = startup;
  }

  /**
   * What a backend holds after it ran {@code commands} with {@code applied} settings: SET adds,
   * RESET and RESET ALL go back to the server's defaults (a backend's startup values are not the
   * client's, so a client's startup settings must be applied again afterwards).
   */
  static Map<String, String> serverStateAfter(Map<String, String> applied, List<SessionCommand> commands) {
    if (applied == UNKNOWN) {
      return UNKNOWN;
    }
    Map<String, String> next = new LinkedHashMap<>(applied);
    for (SessionCommand c : commands) {
      if (c instanceof SessionCommand.SetVariable v && !v.local()) {
        // the backend's own reset value is the server's default, not the client's startup value
        next.put(normalize(v.name()), setCommand(next.get(normalize(v.name())), normalize(v.name()), v.value(), null));
      } else if (c instanceof SessionCommand.ResetVariable r) {
        next.remove(normalize(r.name()));
      } else if (c instanceof SessionCommand.ResetAll) {
        next.clear();
      }
    }
    return Collections.unmodifiableMap(next);
  }

  /** True when {@code name} was set by the client (at startup or later). */
  boolean has(String name) {
    return current.containsKey(normalize(name));
  }

  /**
   * The commands that turn a backend with {@code applied} settings into one with {@code desired},
   * joined into one simple-query string, or null when nothing needs to be sent.
   */
  static String difference(Map<String, String> applied, Map<String, String> desired) {
    if (applied == desired || (applied != UNKNOWN && applied.equals(desired))) {
      return null; // the usual case: clients of one application connect with the same parameters
    }
    StringJoiner sql = new StringJoiner("; ");
    if (applied == UNKNOWN) {
      // RESET ALL leaves the role alone (set_config('role', …) or a DO block may have changed it)
      sql.add("SET SESSION AUTHORIZATION DEFAULT");
      sql.add("RESET ALL");
      desired.values().forEach(sql::add);
      return sql.toString();
    }
    for (String name : applied.keySet()) {
      if (!desired.containsKey(name)) {
        sql.add(SessionCommand.renderReset(name));
      }
    }
    for (Map.Entry<String, String> e : desired.entrySet()) {
      if (!e.getValue().equals(applied.get(e.getKey()))) {
        sql.add(e.getValue());
      }
    }
    return sql.length() == 0 ? null : sql.toString();
  }

  static String normalize(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  private static String setConfig(String name, String value) {
    return "SELECT pg_catalog.set_config(" + quoteLiteral(name) + ", " + quoteLiteral(value) + ", false)";
  }

  static String quoteLiteral(String value) {
    StringBuilder b = new StringBuilder(value.length() + 2);
    boolean backslash = value.indexOf('\\') >= 0;
    if (backslash) {
      b.append('E');
    }
    b.append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\'') {
        b.append("''");
      } else if (c == '\\') {
        b.append("\\\\");
      } else {
        b.append(c);
      }
    }
    return b.append('\'').toString();
  }
}
