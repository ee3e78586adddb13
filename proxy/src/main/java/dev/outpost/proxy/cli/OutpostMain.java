package dev.outpost.proxy.cli;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code outpost.jar}: {@code serve}, {@code config check}, {@code demo}, {@code version}. */
@Command(name = "outpost", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
    description = "A Postgres wire-protocol proxy that makes a distant Postgres feel local.")
public final class OutpostMain implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    if (System.getProperty("io.netty.leakDetection.level") == null
        && System.getProperty("io.netty.leakDetectionLevel") == null) {
      // Netty samples about one buffer in a hundred for leak tracking, recording a stack trace each
      // time (about 2 % of the pass-through CPU). The test suite keeps it on; a node in production
      // turns it on with -Dio.netty.leakDetection.level=simple.
      io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
    }
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, reading the process environment (also used by tests). */
  public static CommandLine commandLine() {
    return commandLine(System.getenv());
  }

  /** The configured command line over a given environment ({@code OUTPOST_…} variables). */
  static CommandLine commandLine(Map<String, String> env) {
    CommandLine cl = new CommandLine(new OutpostMain());
    CommandLine serve = new CommandLine(new ServeCommand(env));
    KeyOptions.addTo(serve.getCommandSpec());
    CommandLine check = new CommandLine(new ConfigCommand.Check(env));
    KeyOptions.addTo(check.getCommandSpec());
    cl.addSubcommand(serve);
    cl.addSubcommand(new CommandLine(new ConfigCommand()).addSubcommand(check));
    CommandLine dropSlot = new CommandLine(new ChangeFeedCommand.DropSlot(env));
    KeyOptions.addTo(dropSlot.getCommandSpec());
    CommandLine installDdlTrigger = new CommandLine(new ChangeFeedCommand.InstallDdlTrigger(env));
    KeyOptions.addTo(installDdlTrigger.getCommandSpec());
    cl.addSubcommand(new CommandLine(new ChangeFeedCommand()).addSubcommand(dropSlot).addSubcommand(installDdlTrigger));
    cl.addSubcommand(new DemoCommand());
    cl.addSubcommand(new VersionCommand());
    // After the subcommands, so that it applies to them as well.
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
