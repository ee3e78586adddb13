package dev.outpost.bench.scenario;

import dev.outpost.bench.lab.Lab;
import java.util.List;

/**
 * A named benchmark preset: which endpoints it compares, how it loads them, and its parameters.
 *
 * <p>Contract: {@link #run} measures every endpoint it can and returns a
 * {@link Row.NotAvailable} row (with the reason) for each one whose endpoint or feature is
 * missing; it never invents a number. It throws only when the run itself cannot go on (the origin
 * is unreachable).
 */
public interface Scenario {

  /** The CLI name, e.g. {@code serverless}. */
  String name();

  /** A heading for the report. */
  String title();

  /** What it measures and how, in a short paragraph for the report. */
  String description();

  List<Param> parameters();

  ScenarioResult run(Lab lab, Params params) throws Exception;
}
