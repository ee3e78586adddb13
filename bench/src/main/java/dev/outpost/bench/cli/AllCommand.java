package dev.outpost.bench.cli;

import dev.outpost.bench.BenchMain;
import dev.outpost.bench.scenario.Scenarios;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code outpost-bench all}: every scenario, one report. */
@Command(name = "all", mixinStandardHelpOptions = true,
    description = "Runs every scenario and writes report.md, results.csv and charts.")
public final class AllCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @ParentCommand
  BenchMain parent;

  @Mixin
  RunOptions options;

  @Override
  public Integer call() throws Exception {
    return BenchRun.execute(Scenarios.all(), options, parent.args(), spec.commandLine().getOut());
  }
}
