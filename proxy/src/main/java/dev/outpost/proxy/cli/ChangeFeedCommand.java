package dev.outpost.proxy.cli;

import dev.outpost.changefeed.ChangeFeed;
import dev.outpost.proxy.config.ConfigException;
import dev.outpost.proxy.config.ConfigLoader;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.feed.NodeChangeFeed;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code outpost change-feed}: operator tools for the change feed. */
@Command(name = "change-feed", mixinStandardHelpOptions = true, description = "Work with the change feed.")
final class ChangeFeedCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * {@code outpost change-feed drop-slot}: removes the region's replication slot from the origin
   * (a slot that nobody consumes keeps WAL on the origin forever). Refused while a consumer holds it.
   */
  @Command(name = "drop-slot", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Drop the region's logical replication slot on the origin (stop the consumer first).")
  static final class DropSlot implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", order = -1, description = "YAML config file (or OUTPOST_CONFIG).")
    Path config;

    private final Map<String, String> env;

    DropSlot(Map<String, String> env) {
      this.env = env;
    }

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      ConfigLoader loader = KeyOptions.loader(spec, config, env);
      ProxyConfig c;
      try {
        c = loader.load().config();
      } catch (ConfigException e) {
        e.problems().forEach(p -> err.println("outpost: " + p));
        err.flush();
        return 2;
      }
      String slot = c.changeFeedSlot();
      try {
        boolean dropped = ChangeFeed.dropSlot(NodeChangeFeed.connectionInfo(c.origin()), slot);
        out.println(dropped ? "dropped replication slot " + slot : "no replication slot " + slot + " on the origin");
        out.flush();
        return 0;
      } catch (RuntimeException e) {
        err.println("outpost: could not drop replication slot " + slot + ": " + e.getMessage());
        err.flush();
        return 1;
      }
    }
  }
}
