package dev.outpost.bench.report;

import dev.outpost.bench.scenario.ScenarioResult;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One benchmark run, everything the report files are written from.
 *
 * @param name the run's name (the results directory's name)
 * @param started when the run started
 * @param finished when it finished
 * @param command the exact command line, passwords masked
 * @param machine cores, memory, CPU, OS, Java ({@link MachineInfo})
 * @param setup what was measured against: origin, Postgres version, WAN, nodes, peers
 * @param scenarios in the order they ran
 */
public record RunReport(String name, Instant started, Instant finished, String command, Map<String, String> machine,
    Map<String, String> setup, List<ScenarioResult> scenarios) {

  public RunReport {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(started, "started");
    Objects.requireNonNull(finished, "finished");
    Objects.requireNonNull(command, "command");
    machine = Collections.unmodifiableMap(new LinkedHashMap<>(machine));
    setup = Collections.unmodifiableMap(new LinkedHashMap<>(setup));
    scenarios = List.copyOf(scenarios);
  }
}
