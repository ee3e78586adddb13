package dev.outpost.proxy.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The value types of configuration keys: whole numbers, durations, sizes, on/off, choices,
 * addresses, files, URLs and secrets. Each rejects a bad value with a phrase that the loader turns
 * into {@code key: "value" phrase (allowed: …)}.
 */
final class ValueTypes {
  private ValueTypes() {}

  /** A scalar type from a parse function and a format function. */
  private record Scalar<T>(String label, String allowed, Function<String, T> parser, Function<T, String> formatter,
      boolean secret, Function<String, String> masker) implements ValueType<T> {
    Scalar(String label, String allowed, Function<String, T> parser, Function<T, String> formatter, boolean secret) {
      this(label, allowed, parser, formatter, secret, Function.identity());
    }

    @Override
    public String show(Object raw) {
      return raw instanceof String s && !secret ? masker.apply(s) : ValueType.super.show(raw);
    }

    @Override
    public T parse(Object raw, Path baseDir, String key) {
      return parser.apply(scalar(raw));
    }

    @Override
    public String format(T value) {
      return secret && value != null ? "***" : formatter.apply(value);
    }
  }

  /** The text of a single value; lists, mappings and blanks are refused. */
  static String scalar(Object raw) {
    if (raw instanceof List) {
      throw new IllegalArgumentException("is a list, but a single value is expected");
    }
    if (!(raw instanceof String s)) {
      throw new IllegalArgumentException("is a mapping, but a single value is expected");
    }
    if (s.isBlank()) {
      throw new IllegalArgumentException("is empty");
    }
    return s.trim();
  }

  static ValueType<Integer> integer(int min, int max) {
    return new Scalar<>("N", min + ".." + max, s -> {
      long v;
      try {
        v = Long.parseLong(s.replace("_", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("is not a whole number");
      }
      if (v < min || v > max) {
        throw new IllegalArgumentException("is out of range");
      }
      return (int) v;
    }, String::valueOf, false);
  }

  static ValueType<Duration> duration(boolean positive, String meaningOfZero) {
    String zero = meaningOfZero == null ? "0 or more" : "0 (" + meaningOfZero + ") or more";
    String allowed = (positive ? "more than 0" : zero)
        + " up to 365d, written like 500ms, 15s, 10m, 1h";
    return new Scalar<>("DURATION", allowed, s -> {
      Duration d;
      try {
        d = ConfigValues.duration(s);
      } catch (IllegalArgumentException | ArithmeticException e) {
        throw new IllegalArgumentException("is not a duration");
      }
      if ((positive && d.isZero()) || d.compareTo(ProxyConfig.MAX_DURATION) > 0) {
        throw new IllegalArgumentException("is out of range");
      }
      return d;
    }, ConfigValues::format, false);
  }

  static ValueType<Long> size(long min, long max) {
    return new Scalar<>("SIZE", ConfigValues.formatSize(min) + ".." + ConfigValues.formatSize(max)
        + ", written like 65536, 64KiB, 256MiB, 1GiB", s -> {
          long v;
          try {
            v = ConfigValues.size(s);
          } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException("is not a size");
          }
          if (v < min || v > max) {
            throw new IllegalArgumentException("is out of range");
          }
          return v;
        }, ConfigValues::formatSize, false);
  }

  static ValueType<Integer> intSize(int min, int max) {
    ValueType<Long> s = size(min, max);
    return new Scalar<>("SIZE", s.allowed(), t -> s.parse(t, null, null).intValue(), v -> ConfigValues.formatSize(v),
        false);
  }

  static ValueType<Boolean> onOff() {
    return new Scalar<>("on|off", "on, off", s -> {
      switch (s.toLowerCase(Locale.ROOT)) {
        case "on": case "true": case "yes":
          return true;
        case "off": case "false": case "no":
          return false;
        default:
          throw new IllegalArgumentException("is not on or off");
      }
    }, v -> v ? "on" : "off", false);
  }

  /** One of a fixed set; {@code parser} throws for anything else. */
  static <E> ValueType<E> choice(String allowed, Function<String, E> parser, Function<E, String> label) {
    return new Scalar<>(allowed.replace(", ", "|"), allowed, s -> {
      try {
        return parser.apply(s);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("is not allowed");
      }
    }, label, false);
  }

  static ValueType<String> text(String allowed) {
    return new Scalar<>("NAME", allowed, s -> s, v -> v == null ? "" : v, false);
  }

  static ValueType<String> pattern(Pattern p, String what, String allowed) {
    return new Scalar<>("NAME", allowed, s -> {
      if (!p.matcher(s).matches()) {
        throw new IllegalArgumentException("is not " + what);
      }
      return s;
    }, v -> v == null ? "" : v, false);
  }

  /** A password or verifier: any non-empty text, never shown. */
  static ValueType<String> secret() {
    return new Scalar<>("SECRET", "any text (shown as ***)", s -> s, v -> v == null ? "" : "***", true);
  }

  static ValueType<OriginUrl> originUrl() {
    return new Scalar<>("URL", "postgresql://user:password@host:port/database?sslmode=…", s -> {
      try {
        return OriginUrl.parse(s);
      } catch (IllegalArgumentException e) {
        // OriginUrl's messages never echo the URL; they say what part is wrong.
        throw new IllegalArgumentException("is not a usable URL: "
            + e.getMessage().replaceFirst("^invalid origin URL: ", ""));
      }
    }, v -> v == null ? "" : v.toString(), false, OriginUrl::mask);
  }

  static ValueType<HostPort> hostPort() {
    return new Scalar<>("HOST:PORT", "HOST:PORT with a port of 0..65535, e.g. 127.0.0.1:6432 or [::1]:6432",
        HostPort::parse,
        v -> v == null ? "" : v.toString(), false);
  }

  /** An address, or {@code off} (null). */
  static ValueType<HostPort> hostPortOrOff() {
    return new Scalar<>("HOST:PORT|off", "HOST:PORT (e.g. 127.0.0.1:9187) or off",
        s -> s.equalsIgnoreCase("off") ? null : HostPort.parse(s), v -> v == null ? "off" : v.toString(), false);
  }

  /** A comma-separated list of addresses, or a YAML list of them. */
  static ValueType<List<HostPort>> hostPortList() {
    return new ValueType<>() {
      @Override
      public List<HostPort> parse(Object raw, Path baseDir, String key) {
        List<String> items = new ArrayList<>();
        if (raw instanceof List<?> list) {
          for (Object o : list) {
            items.add(scalar(o));
          }
        } else if (raw instanceof String s && s.isBlank()) {
          return List.of();
        } else {
          for (String part : scalar(raw).split(",", -1)) {
            if (part.isBlank()) {
              throw new IllegalArgumentException("has an empty entry");
            }
            items.add(part.trim());
          }
        }
        List<HostPort> out = new ArrayList<>();
        for (String item : items) {
          try {
            out.add(HostPort.parse(item));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has an entry " + Problems.quote(item) + " that " + e.getMessage());
          }
        }
        return List.copyOf(out);
      }

      @Override
      public String allowed() {
        return "HOST:PORT,HOST:PORT,… (or a YAML list)";
      }

      @Override
      public String label() {
        return "HOST:PORT,...";
      }

      @Override
      public String format(List<HostPort> value) {
        return String.join(",", value.stream().map(HostPort::toString).toList());
      }
    };
  }

  /** A readable file; with {@code pem}, one that holds a PEM block. Resolved against the base directory. */
  static ValueType<Path> file(boolean pem) {
    return new ValueType<>() {
      @Override
      public Path parse(Object raw, Path baseDir, String key) {
        return readableFile(scalar(raw), baseDir, pem);
      }

      @Override
      public String allowed() {
        return "a readable " + (pem ? "PEM " : "") + "file";
      }

      @Override
      public String label() {
        return "FILE";
      }

      @Override
      public String format(Path value) {
        return value == null ? "" : value.toString();
      }
    };
  }

  /**
   * Why the PEM private key in {@code key} is not an unencrypted PKCS#8 key (the only form both the
   * node and pgjdbc read), or null when it is. Only the BEGIN lines are looked at; the key goes nowhere.
   */
  static String pemKeyProblem(Path key) {
    String text;
    try {
      text = Files.readString(key, StandardCharsets.US_ASCII);
    } catch (IOException | java.io.UncheckedIOException e) {
      return "could not be read: " + e.getMessage();
    }
    if (text.contains("-----BEGIN PRIVATE KEY-----")) {
      return null;
    } else if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED")) {
      return "is encrypted";
    } else if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
      return "is a PKCS#1 or SEC1 key";
    }
    return "holds no private key";
  }

  static Path readableFile(String text, Path baseDir, boolean pem) {
    Path path;
    try {
      path = Path.of(text);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("is not a file path");
    }
    if (!path.isAbsolute() && baseDir != null) {
      path = baseDir.resolve(path);
    }
    path = path.normalize();
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("is not an existing file"
          + (path.toString().equals(text) ? "" : " (" + path + ")"));
    }
    if (!Files.isReadable(path)) {
      throw new IllegalArgumentException("is not readable by this process");
    }
    if (pem) {
      try {
        // The key file is read only to see that it is PEM; its text goes nowhere.
        String head = Files.readString(path, StandardCharsets.US_ASCII);
        if (!head.contains("-----BEGIN ")) {
          throw new IllegalArgumentException("holds no PEM block (-----BEGIN …)");
        }
      } catch (IOException | java.io.UncheckedIOException e) {
        throw new IllegalArgumentException("cannot be read: " + e.getClass().getSimpleName());
      }
    }
    return path;
  }

  /**
   * A JGroups stack: a shipped stack's name (checked against the stacks on the classpath) or a stack
   * file (containing '/' or ending in .xml), which must be readable.
   */
  static ValueType<String> stack(String shipped) {
    return new ValueType<>() {
      @Override
      public String parse(Object raw, Path baseDir, String key) {
        String s = scalar(raw);
        if (s.contains("/") || s.endsWith(".xml")) {
          return readableFile(s, baseDir, false).toString();
        }
        if (!s.matches("[a-z0-9][a-z0-9-]{0,63}")
            || ValueTypes.class.getClassLoader().getResource("dev/outpost/cluster/stacks/" + s + ".xml") == null) {
          throw new IllegalArgumentException("is not a shipped stack");
        }
        return s;
      }

      @Override
      public String allowed() {
        return "a shipped stack (" + shipped + ") or a stack file path ending in .xml";
      }

      @Override
      public String label() {
        return "NAME|FILE";
      }

      @Override
      public String format(String value) {
        return value == null ? "" : value;
      }
    };
  }
}
