package dev.outpost.bench.cli;

import dev.outpost.bench.BenchMain;
import dev.outpost.bench.scenario.Scenario;
import dev.outpost.bench.scenario.Scenarios;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code outpost-bench run SCENARIO...}: the named scenarios, one report. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Runs the named scenarios (see `outpost-bench list`) and writes one report.")
public final class RunCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @ParentCommand
  BenchMain parent;

  @Mixin
  RunOptions options;

  @Parameters(arity = "1..*", paramLabel = "SCENARIO", description = "scenario names")
  List<String> names;

  @Override
  public Integer call() throws Exception {
    List<Scenario> chosen = new ArrayList<>();
    for (String n : names) {
      chosen.add(Scenarios.named(n).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
          "no scenario '" + n + "'; there are " + Scenarios.names())));
    }
    return BenchRun.execute(chosen, options, parent.args(), spec.commandLine().getOut());
  }
}
