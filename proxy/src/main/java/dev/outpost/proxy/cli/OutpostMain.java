package dev.outpost.proxy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code outpost.jar}. */
@Command(name = "outpost", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
    description = "A Postgres wire-protocol proxy that makes a distant Postgres feel local.",
    subcommands = {ServeCommand.class, DemoCommand.class, VersionCommand.class})
public final class OutpostMain implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line (also used by tests). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new OutpostMain());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
