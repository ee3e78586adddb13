package dev.outpost.proxy.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * The YAML config file, read into flat keys: nested sections are joined with '-'
 * ({@code cache: {max-age: 60s}} is {@code cache-max-age}), and the few section names that differ
 * from their key are mapped ({@code cache: {enabled: off}} is {@code cache}).
 *
 * <p>Every scalar is read as text: YAML 1.1 would otherwise turn {@code on} into a boolean,
 * {@code 0700} into 448 and {@code 1:30} into 90 — which silently changes passwords and addresses.
 * Each key's own type then parses the text. Problems (syntax errors, unknown or repeated keys) are
 * collected; a syntax error is reported by line and column without echoing the text, which could
 * hold a secret.
 */
final class ConfigFile {

  /** A value from the file and how it was spelled there ({@code cache.max-age}). */
  record Entry(Object raw, String spelledAs) {}

  private final Path path;
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final List<String> problems = new ArrayList<>();
  private boolean readable;

  private ConfigFile(Path path) {
    this.path = path;
  }

  /** Reads {@code path}; problems are collected, never thrown. */
  static ConfigFile read(Path path) {
    ConfigFile f = new ConfigFile(path);
    f.load();
    return f;
  }

  Path path() {
    return path;
  }

  /** The directory relative paths in the file are resolved against. */
  Path baseDir() {
    Path parent = path.toAbsolutePath().getParent();
    return parent == null ? path.toAbsolutePath() : parent;
  }

  /** Known keys (flat names) and their raw values. */
  Map<String, Entry> entries() {
    return entries;
  }

  List<String> problems() {
    return problems;
  }

  /** False when the file as a whole could not be read (missing, not YAML, not a mapping). */
  boolean readable() {
    return readable;
  }

  private void load() {
    Object root;
    try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      root = yaml().load(r);
    } catch (NoSuchFileException e) {
      problems.add("config file " + path + ": not found");
      return;
    } catch (IOException e) {
      problems.add("config file " + path + ": cannot be read (" + e.getClass().getSimpleName() + ")");
      return;
    } catch (MarkedYAMLException e) {
      String where = e.getProblemMark() == null ? ""
          : " line " + (e.getProblemMark().getLine() + 1) + ", column " + (e.getProblemMark().getColumn() + 1) + ":";
      problems.add("config file " + path + ":" + where + " " + e.getProblem());
      return;
    } catch (YAMLException e) {
      problems.add("config file " + path + ": not valid YAML (" + e.getClass().getSimpleName() + ")");
      return;
    }
    if (root != null && !(root instanceof Map<?, ?>)) {
      problems.add("config file " + path + ": must be a mapping of keys to values (key: value lines)");
      return;
    }
    readable = true;
    if (root != null) {
      flatten("", "", (Map<?, ?>) root);
    }
  }

  private void flatten(String prefix, String spelledPrefix, Map<?, ?> map) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String name = String.valueOf(e.getKey());
      String flat = prefix.isEmpty() ? name : prefix + "-" + name;
      String spelled = spelledPrefix.isEmpty() ? name : spelledPrefix + "." + name;
      Object value = normalize(e.getValue());
      ConfigKey<?> key = ConfigKeys.forFileName(flat);
      if (value instanceof Map<?, ?> section && (key == null || !key.fileOnly())) {
        flatten(flat, spelled, section);
        continue;
      }
      if (key == null) {
        problems.add(spelled + ": unknown key" + ConfigKeys.suggestion(flat));
        continue;
      }
      Entry previous = entries.putIfAbsent(key.name(), new Entry(value, spelled));
      if (previous != null) {
        problems.add(spelled + ": " + key.name() + " is given twice in the file (also as " + previous.spelledAs()
            + ")");
      }
    }
  }

  /** Explicitly tagged scalars ({@code !!int 5}) become text like all others; null stays null. */
  private static Object normalize(Object v) {
    if (v == null || v instanceof String) {
      return v == null ? "" : v;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), normalize(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(normalize(x)));
      return out;
    }
    if (v instanceof byte[]) {
      return "(binary)";
    }
    return String.valueOf(v);
  }

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(20);
    options.setAllowRecursiveKeys(false);
    DumperOptions dump = new DumperOptions();
    return new Yaml(new SafeConstructor(options), new Representer(dump), dump, options, new TextOnlyResolver());
  }

  /** A resolver without implicit types: every plain scalar is a string. */
  private static final class TextOnlyResolver extends Resolver {
    @Override
    protected void addImplicitResolvers() {
      // Intentionally none; see the class comment.
    }
  }
}
