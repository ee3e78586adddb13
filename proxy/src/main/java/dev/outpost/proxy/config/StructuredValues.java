package dev.outpost.proxy.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The two list-valued keys, which only the config file can hold: {@code users} and
 * {@code cache-rules}. Every problem in every entry is reported, each under the entry's name
 * ({@code users[app].pasword: unknown key …}).
 */
final class StructuredValues {
  private static final List<String> USER_KEYS =
      List.of("name", "password", "scram-verifier", "databases", "origin-user", "origin-password");
  private static final List<String> RULE_KEYS = List.of("table", "cache", "max-age", "swr");

  private StructuredValues() {}

  static ValueType<List<UserEntry>> users() {
    return new ValueType<>() {
      @Override
      public List<UserEntry> parse(Object raw, Path baseDir, String key) {
        Problems p = new Problems();
        List<UserEntry> out = new ArrayList<>();
        List<Map<?, ?>> entries = entries(raw, key);
        for (int i = 0; i < entries.size(); i++) {
          Map<?, ?> e = entries.get(i);
          String where = key + "[" + (e.get("name") instanceof String n && !n.isBlank() ? n : "#" + (i + 1)) + "]";
          unknownKeys(p, e, where, USER_KEYS);
          String name = text(p, e, "name", where, false);
          p.check(name != null, () -> where + ".name: missing (every user needs a name)");
          String password = text(p, e, "password", where, true);
          String verifier = text(p, e, "scram-verifier", where, true);
          Set<String> databases = names(p, e.get("databases"), where + ".databases");
          String originUser = text(p, e, "origin-user", where, false);
          String originPassword = text(p, e, "origin-password", where, true);
          if (name != null) {
            UserEntry u = p.attempt(
                () -> new UserEntry(name, password, verifier, databases, originUser, originPassword), null);
            if (u != null) {
              out.add(u);
            }
          }
        }
        p.throwIfAny();
        return List.copyOf(out);
      }

      @Override
      public String allowed() {
        return "a YAML list of {name, password | scram-verifier, databases, origin-user, origin-password}";
      }

      @Override
      public String format(List<UserEntry> value) {
        return "[" + String.join("; ", value.stream().map(UserEntry::describe).toList()) + "]";
      }

      @Override
      public boolean fileOnly() {
        return true;
      }
    };
  }

  static ValueType<List<CacheRule>> cacheRules() {
    ValueType<Boolean> onOff = ValueTypes.onOff();
    ValueType<Duration> duration = ValueTypes.duration(false, null);
    return new ValueType<>() {
      @Override
      public List<CacheRule> parse(Object raw, Path baseDir, String key) {
        Problems p = new Problems();
        List<CacheRule> out = new ArrayList<>();
        List<Map<?, ?>> entries = entries(raw, key);
        for (int i = 0; i < entries.size(); i++) {
          Map<?, ?> e = entries.get(i);
          String label = e.get("table") instanceof String t && !t.isBlank() ? t.trim() : "#" + (i + 1);
          String where = key + "[" + label + "]";
          unknownKeys(p, e, where, RULE_KEYS);
          String tableText = text(p, e, "table", where, false);
          TableName table = null;
          if (tableText == null) {
            p.add(where + ".table: missing (every rule names a table, e.g. public.products)");
          } else {
            try {
              table = TableName.parse(tableText);
            } catch (IllegalArgumentException ex) {
              p.add(Problems.bad(where + ".table", tableText, ex.getMessage(), "[schema.]name, e.g. public.products"));
            }
          }
          Boolean on = value(p, e, "cache", where, onOff);
          Duration maxAge = value(p, e, "max-age", where, duration);
          Duration swr = value(p, e, "swr", where, duration);
          if (table != null) {
            TableName t = table;
            CacheRule r = p.attempt(() -> new CacheRule(t, on == null || on, maxAge, swr), null);
            if (r != null) {
              out.add(r);
            }
          }
        }
        p.throwIfAny();
        return List.copyOf(out);
      }

      @Override
      public String allowed() {
        return "a YAML list of {table: schema.name, cache: on|off, max-age: DURATION, swr: DURATION}";
      }

      @Override
      public String format(List<CacheRule> value) {
        return "[" + String.join(", ", value.stream().map(CacheRule::describe).toList()) + "]";
      }

      @Override
      public boolean fileOnly() {
        return true;
      }
    };
  }

  private static List<Map<?, ?>> entries(Object raw, String key) {
    if (!(raw instanceof List<?> list)) {
      throw new ConfigException(key + ": " + (raw instanceof String ? "is a single value" : "is a mapping")
          + ", but a YAML list of entries is expected (each entry starts with '- ')");
    }
    List<Map<?, ?>> out = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) instanceof Map<?, ?> m) {
        out.add(m);
      } else {
        problems.add(key + "[#" + (i + 1) + "]: is not a mapping of keys to values");
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return out;
  }

  private static void unknownKeys(Problems p, Map<?, ?> entry, String where, List<String> known) {
    for (Object k : entry.keySet()) {
      String name = String.valueOf(k);
      p.check(known.contains(name), () -> where + "." + name + ": unknown key"
          + ConfigKeys.suggestion(name, known) + " (allowed: " + String.join(", ", known) + ")");
    }
  }

  /** A scalar entry value, or null when absent; a bad one is recorded. */
  private static String text(Problems p, Map<?, ?> entry, String name, String where, boolean secret) {
    Object v = entry.get(name);
    if (v == null) {
      return null;
    }
    try {
      // A secret keeps its exact text (spaces may be part of a password).
      String s = ValueTypes.scalar(v);
      return secret ? (String) v : s;
    } catch (IllegalArgumentException e) {
      p.add(where + "." + name + ": " + (secret ? "\"***\" " : "") + e.getMessage());
      return null;
    }
  }

  private static <T> T value(Problems p, Map<?, ?> entry, String name, String where, ValueType<T> type) {
    Object v = entry.get(name);
    if (v == null) {
      return null;
    }
    try {
      return type.parse(v, null, where + "." + name);
    } catch (IllegalArgumentException e) {
      p.add(Problems.bad(where + "." + name, type.show(v), e.getMessage(), type.allowed()));
      return null;
    }
  }

  /** Database names as a YAML list or a comma-separated text; empty when absent. */
  private static Set<String> names(Problems p, Object raw, String where) {
    Set<String> out = new LinkedHashSet<>();
    if (raw == null) {
      return out;
    }
    List<?> items = raw instanceof List<?> l ? l : raw instanceof String s ? List.of(s.split(",", -1)) : null;
    if (items == null) {
      p.add(where + ": is a mapping, but a list of database names is expected");
      return out;
    }
    for (Object item : items) {
      if (item instanceof String s && !s.isBlank()) {
        out.add(s.trim());
      } else {
        p.add(where + ": has an entry that is not a database name");
      }
    }
    return out;
  }
}
