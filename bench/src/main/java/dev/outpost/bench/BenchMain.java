package dev.outpost.bench;

import dev.outpost.bench.cli.AllCommand;
import dev.outpost.bench.cli.ListCommand;
import dev.outpost.bench.cli.RunCommand;
import dev.outpost.bench.cli.SoakCommand;
import dev.outpost.bench.cli.WanCommand;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code outpost-bench} command line: {@code all}, {@code run SCENARIO...}, {@code list} and
 * {@code wan}. Exit code 0 on success, 1 when a run could not be carried out, 2 on a usage error, 3 when a
 * soak found a problem.
 */
@Command(name = "outpost-bench", mixinStandardHelpOptions = true, versionProvider = BenchMain.Version.class,
    subcommands = {AllCommand.class, RunCommand.class, ListCommand.class, WanCommand.class, SoakCommand.class},
    description = {"Benchmarks Outpost side by side with direct Postgres and peers such as PgBouncer.",
        "Quick start: java -jar bench/target/outpost-bench.jar all --quick"})
public final class BenchMain implements Runnable {
  @Spec
  CommandSpec spec;

  private final List<String> args;

  private BenchMain(List<String> args) {
    this.args = List.copyOf(args);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (for tests: never calls System.exit). */
  public static int run(String... args) {
    // Charts are drawn off-screen; there is no display on a benchmark machine.
    System.setProperty("java.awt.headless", "true");
    CommandLine cli = new CommandLine(new BenchMain(List.of(args)));
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("outpost-bench: " + dev.outpost.bench.util.Secrets.mask(String.valueOf(e.getMessage())));
      commandLine.getErr().flush();
      return e instanceof IllegalArgumentException ? 2 : 1;
    });
    return cli.execute(args);
  }

  /** The arguments as given, for the report's "exact command". */
  public List<String> args() {
    return args;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = BenchMain.class.getPackage().getImplementationVersion();
      return new String[] {"outpost-bench " + (v == null ? "(development build)" : v)};
    }
  }
}
