package dev.outpost.bench.scenario;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a scenario produced, ready for the report.
 *
 * @param name the scenario's CLI name
 * @param title a heading
 * @param description what it measures and how, for the report
 * @param parameters the effective parameters, in declaration order
 * @param rows one per endpoint, in the order they were listed
 * @param throughputMeaningful false when operations are sequential trials whose rate says nothing
 * @param notes anything else a reader must know (set-up facts, caveats)
 */
public record ScenarioResult(String name, String title, String description, Map<String, String> parameters,
    List<Row> rows, boolean throughputMeaningful, List<String> notes) {

  public ScenarioResult {
    Objects.requireNonNull(name, "name");
    parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    rows = List.copyOf(rows);
    notes = List.copyOf(notes);
  }

  /** The baseline row, when it was measured. */
  public Optional<Row.Measured> baseline() {
    return rows.stream().filter(r -> r instanceof Row.Measured m && m.baseline()).map(r -> (Row.Measured) r)
        .findFirst();
  }

  /** The measured row with this label, if any. */
  public Optional<Row.Measured> measured(String endpoint) {
    return rows.stream().filter(r -> r instanceof Row.Measured m && m.endpoint().equals(endpoint))
        .map(r -> (Row.Measured) r).findFirst();
  }
}
