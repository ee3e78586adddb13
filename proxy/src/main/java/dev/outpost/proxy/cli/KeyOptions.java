package dev.outpost.proxy.cli;

import dev.outpost.proxy.config.ConfigKey;
import dev.outpost.proxy.config.ConfigKeys;
import dev.outpost.proxy.config.ConfigLoader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The configuration keys as command-line options: one {@code --KEY VALUE} per key of
 * {@link ConfigKeys} (the list-valued, file-only keys excepted), added to a command's spec so
 * that the flags can never drift from the keys. Options have no picocli defaults: an option that
 * was not given stays null, so that the environment and the file can supply the value.
 */
final class KeyOptions {
  /** The environment variable that names the config file when {@code --config} is absent. */
  static final String CONFIG_ENV = "OUTPOST_CONFIG";

  private KeyOptions() {}

  /** Adds an option for every flag-settable key to {@code spec}. */
  static void addTo(CommandSpec spec) {
    for (ConfigKey<?> k : ConfigKeys.all()) {
      if (k.fileOnly()) {
        continue;
      }
      spec.addOption(OptionSpec.builder(k.flag())
          .paramLabel(k.paramLabel())
          .type(String.class)
          .description(k.description() + " Allowed: " + k.allowed() + ". Env: " + k.envName()
              + (k.live() ? "" : k.livePart() != null ? ". Other changes need a restart." : ". Needs a restart to change."))
          .build());
    }
  }

  /** The flag values given on this command line, by key name. */
  static Map<String, String> given(CommandSpec spec) {
    Map<String, String> out = new HashMap<>();
    for (ConfigKey<?> k : ConfigKeys.all()) {
      OptionSpec o = k.fileOnly() ? null : spec.findOption(k.flag());
      if (o != null && o.getValue() != null) {
        out.put(k.name(), o.getValue());
      }
    }
    return out;
  }

  /** A loader over {@code --config} (or {@code OUTPOST_CONFIG}), the environment and the given flags. */
  static ConfigLoader loader(CommandSpec spec, Path configOption, Map<String, String> env) {
    Path file = configOption;
    if (file == null && env.get(CONFIG_ENV) != null && !env.get(CONFIG_ENV).isBlank()) {
      file = Path.of(env.get(CONFIG_ENV));
    }
    return new ConfigLoader(file, env, given(spec));
  }
}
