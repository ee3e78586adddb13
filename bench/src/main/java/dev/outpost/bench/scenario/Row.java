package dev.outpost.bench.scenario;

import dev.outpost.bench.load.LoadResult;
import java.util.Objects;

/** One endpoint's line in a scenario's results: a measurement, or why there is none. */
public sealed interface Row permits Row.Measured, Row.NotAvailable, Row.Failed {

  /** The endpoint's label, e.g. {@code "direct"} or {@code "outpost (hit)"}. */
  String endpoint();

  /**
   * Numbers from a real run.
   *
   * @param baseline whether this is the row the others are compared with ("direct")
   * @param note what a reader must know to interpret the numbers, or empty
   */
  record Measured(String endpoint, boolean baseline, LoadResult result, String note) implements Row {
    public Measured {
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(result, "result");
      note = note == null ? "" : note;
    }
  }

  /** The feature or endpoint this row needs is not there (yet); no number is made up for it. */
  record NotAvailable(String endpoint, String reason) implements Row {
    public NotAvailable {
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** The endpoint was there but no operation succeeded. */
  record Failed(String endpoint, String reason) implements Row {
    public Failed {
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(reason, "reason");
    }
  }
}
