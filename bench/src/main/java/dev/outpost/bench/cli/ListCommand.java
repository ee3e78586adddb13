package dev.outpost.bench.cli;

import dev.outpost.bench.scenario.Param;
import dev.outpost.bench.scenario.Scenario;
import dev.outpost.bench.scenario.Scenarios;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code outpost-bench list}: the scenarios and their parameters. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the scenarios and their parameters.")
public final class ListCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    for (Scenario s : Scenarios.all()) {
      out.printf("%s: %s%n", s.name(), s.title());
      for (Param p : s.parameters()) {
        out.printf("  %-16s full %-9s quick %-9s %s%n", p.key(), p.fullDefault(), p.quickDefault(), p.help());
      }
      out.println();
    }
    out.flush();
    return 0;
  }
}
