package dev.outpost.proxy.cli;

import dev.outpost.changefeed.ChangeFeed;
import dev.outpost.changefeed.DdlTrigger;
import dev.outpost.proxy.config.ConfigException;
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
   * A subcommand that acts on the origin of the effective configuration (flags, environment,
   * {@code --config}). Exit codes: 0 done, 1 the origin refused or could not be reached (the
   * message says why), 2 the configuration is wrong.
   */
  abstract static class OnOrigin implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", order = -1, description = "YAML config file (or OUTPOST_CONFIG).")
    Path config;

    private final Map<String, String> env;

    OnOrigin(Map<String, String> env) {
      this.env = env;
    }

    @Override
    public final Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      ProxyConfig c;
      try {
        c = KeyOptions.loader(spec, config, env).load().config();
      } catch (ConfigException e) {
        e.problems().forEach(p -> err.println("outpost: " + p));
        err.flush();
        return 2;
      }
      try {
        out.println(act(c));
        out.flush();
        return 0;
      } catch (RuntimeException e) {
        err.println("outpost: " + e.getMessage());
        err.flush();
        return 1;
      }
    }

    /** Does the work; returns what to print. A RuntimeException's message is printed as the error. */
    abstract String act(ProxyConfig c);
  }

  /**
   * {@code outpost change-feed drop-slot}: removes the region's replication slot from the origin
   * (a slot that nobody consumes keeps WAL on the origin forever). Refused while a consumer holds it.
   */
  @Command(name = "drop-slot", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Drop the region's logical replication slot on the origin (stop the consumer first).")
  static final class DropSlot extends OnOrigin {
    DropSlot(Map<String, String> env) {
      super(env);
    }

    @Override
    String act(ProxyConfig c) {
      String slot = c.changeFeedSlot();
      try {
        return ChangeFeed.dropSlot(NodeChangeFeed.connectionInfo(c.origin()), slot)
            ? "dropped replication slot " + slot : "no replication slot " + slot + " on the origin";
      } catch (RuntimeException e) {
        throw new IllegalStateException("could not drop replication slot " + slot + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * {@code outpost change-feed install-ddl-trigger}: installs the event trigger that records DDL
   * for the change feed ({@link DdlTrigger}); needs a superuser's origin URL.
   */
  @Command(name = "install-ddl-trigger", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Install the event trigger that lets the change feed see DDL run straight on the origin"
          + " (needs a superuser's --origin).")
  static final class InstallDdlTrigger extends OnOrigin {
    InstallDdlTrigger(Map<String, String> env) {
      super(env);
    }

    @Override
    String act(ProxyConfig c) {
      DdlTrigger.install(NodeChangeFeed.connectionInfo(c.origin()));
      return "installed event trigger " + DdlTrigger.NAME + " in database " + c.origin().database()
          + ": DDL is recorded in " + DdlTrigger.TABLE.sql() + " (kept for a day), and the change feed"
          + " invalidates the database's cached results and catalog facts when it sees it";
    }
  }
}
