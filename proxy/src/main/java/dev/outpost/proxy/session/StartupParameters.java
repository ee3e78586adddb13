package dev.outpost.proxy.session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The run-time settings in a client's StartupMessage — plain parameters and {@code -c name=value}
 * in {@code options} — and the ParameterStatus values the client must see after login: the
 * origin's, overridden by what the client asked for (normalized the way Postgres reports them).
 */
final class StartupParameters {
  private static final List<String> NOT_SETTINGS = List.of("user", "database", "replication", "options");

  private final Map<String, String> settings;

  private StartupParameters(Map<String, String> settings) {
    this.settings = settings;
  }

  static StartupParameters of(Map<String, String> startup) {
    Map<String, String> s = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : startup.entrySet()) {
      String name = e.getKey();
      if (NOT_SETTINGS.contains(name) || name.startsWith("_pq_.")) {
        continue;
      }
      s.put(name.toLowerCase(Locale.ROOT), e.getValue());
    }
    String options = startup.get("options");
    if (options != null) {
      parseOptions(options, s);
    }
    return new StartupParameters(s);
  }

  /** Settings by lower-case name, with the values as sent. */
  Map<String, String> settings() {
    return settings;
  }

  /**
   * Parses libpq's {@code options}: whitespace-separated {@code -c name=value} or {@code
   * --name=value}, with backslash escaping spaces.
   */
  static void parseOptions(String options, Map<String, String> into) {
    List<String> words = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean escaped = false;
    for (int i = 0; i < options.length(); i++) {
      char c = options.charAt(i);
      if (escaped) {
        cur.append(c);
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (Character.isWhitespace(c)) {
        if (cur.length() > 0) {
          words.add(cur.toString());
          cur.setLength(0);
        }
      } else {
        cur.append(c);
      }
    }
    if (cur.length() > 0) {
      words.add(cur.toString());
    }
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      String assignment = null;
      if (w.equals("-c") && i + 1 < words.size()) {
        assignment = words.get(++i);
      } else if (w.startsWith("-c")) {
        assignment = w.substring(2);
      } else if (w.startsWith("--")) {
        assignment = w.substring(2);
      }
      if (assignment != null) {
        int eq = assignment.indexOf('=');
        if (eq > 0) {
          into.put(assignment.substring(0, eq).replace('-', '_').toLowerCase(Locale.ROOT), assignment.substring(eq + 1));
        }
      }
    }
  }

  /** The ParameterStatus values for the client: the origin's, with the client's own settings applied. */
  Map<String, String> reported(Map<String, String> origin) {
    Map<String, String> out = new LinkedHashMap<>(origin);
    for (Map.Entry<String, String> o : origin.entrySet()) {
      String mine = settings.get(o.getKey().toLowerCase(Locale.ROOT));
      if (mine != null) {
        out.put(o.getKey(), normalize(o.getKey(), mine, o.getValue()));
      }
    }
    if (!out.containsKey("application_name") && settings.containsKey("application_name")) {
      out.put("application_name", settings.get("application_name"));
    }
    return out;
  }

  private static String normalize(String name, String value, String originValue) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "client_encoding":
        return value.toUpperCase(Locale.ROOT).replace("-", "").replace("_", "");
      case "datestyle":
        return dateStyle(value, originValue);
      default:
        return value;
    }
  }

  /** Postgres reports DateStyle as "output, order"; a client may give only one of the two. */
  static String dateStyle(String value, String originValue) {
    String output = null;
    String order = null;
    for (String part : value.split("[,\\s]+")) {
      String p = part.toLowerCase(Locale.ROOT);
      switch (p) {
        case "iso": output = "ISO"; break;
        case "sql": output = "SQL"; break;
        case "postgres": output = "Postgres"; break;
        case "german": output = "German"; break; // and DMY unless an order is given, as Postgres does
        case "mdy": case "us": case "noneuropean": order = "MDY"; break;
        case "dmy": case "euro": case "european": order = "DMY"; break;
        case "ymd": order = "YMD"; break;
        default: break;
      }
    }
    if (order == null && "German".equals(output)) {
      order = "DMY";
    }
    String[] origin = originValue.split(",\\s*");
    if (output == null) {
      output = origin[0];
    }
    if (order == null) {
      order = origin.length > 1 ? origin[1] : "MDY";
    }
    return output + ", " + order;
  }
}
