package dev.outpost.proxy.cli;

import dev.outpost.proxy.config.ConfigException;
import dev.outpost.proxy.config.ConfigLoader;
import dev.outpost.proxy.config.ConfigRow;
import dev.outpost.proxy.config.LoadedConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code outpost config}: tools for the configuration. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Work with the configuration.")
final class ConfigCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * {@code outpost config check}: loads the configuration exactly as {@code serve} would (file,
   * environment, flags) and prints every effective setting with its source, secrets masked; or
   * every problem, and exit code 2.
   */
  @Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Validate the configuration and print the effective settings (secrets masked).")
  static final class Check implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", order = -1, description = "YAML config file (or OUTPOST_CONFIG).")
    Path config;

    private final Map<String, String> env;

    Check(Map<String, String> env) {
      this.env = env;
    }

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      ConfigLoader loader = KeyOptions.loader(spec, config, env);
      LoadedConfig loaded;
      try {
        loaded = loader.load();
      } catch (ConfigException e) {
        e.problems().forEach(p -> err.println("outpost: " + p));
        err.println("outpost: the configuration has " + e.problems().size() + " problem"
            + (e.problems().size() == 1 ? "" : "s"));
        err.flush();
        return 2;
      }
      out.println("configuration is valid" + (loader.file() == null ? "" : " (" + loader.file() + ")"));
      out.print(table(loaded.rows()));
      out.flush();
      return 0;
    }

    static String table(List<ConfigRow> rows) {
      int keyWidth = "KEY".length();
      int valueWidth = "VALUE".length();
      for (ConfigRow r : rows) {
        keyWidth = Math.max(keyWidth, r.key().length());
        valueWidth = Math.max(valueWidth, r.value().length());
      }
      String format = "%-" + keyWidth + "s  %-" + valueWidth + "s  %-7s  %s%n";
      StringBuilder b = new StringBuilder(String.format(format, "KEY", "VALUE", "SOURCE", "RELOAD"));
      for (ConfigRow r : rows) {
        b.append(String.format(format, r.key(), r.value(), r.source().label(), r.reload()));
      }
      return b.toString();
    }
  }
}
