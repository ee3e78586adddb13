package dev.outpost.bench.soak;

import dev.outpost.bench.report.MachineInfo;
import dev.outpost.bench.util.Durations;
import dev.outpost.bench.util.Secrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Writes {@code soak.md}: the verdict first, then what was done, what the clients saw, and how to repeat it. */
final class SoakReport {
  private SoakReport() {}

  static Path write(SoakSettings s, List<String> command, Map<String, String> facts, SoakTally tally,
      Instant started, Instant ended) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append("# Soak: ").append(tally.passed() ? "passed" : "FAILED").append("\n\n");
    if (tally.passed()) {
      b.append("No wrong answer, no stale read, no unexpected error, no operation over ").append(Durations.format(s.operationBound()))
          .append(", every client finished, and ").append(s.nodes() == 1 ? "the node" : "every node")
          .append(" served again once the faults stopped.\n\n");
    } else {
      b.append("Problems:\n\n");
      tally.problems().forEach(p -> b.append("* ").append(oneLine(p)).append('\n'));
      b.append('\n');
    }
    b.append("Command: `").append(Secrets.mask(String.join(" ", command))).append("`  \n");
    b.append("Started ").append(started).append(", took ")
        .append(Durations.format(Duration.between(started, ended).withNanos(0))).append(".\n\n");

    b.append("## What was done\n\n");
    b.append("| | |\n| --- | --- |\n");
    row(b, "clients", s.clients() + " pgjdbc connections, query modes simple / extended / extendedForPrepared in turn,"
        + " prepareThreshold 1 or 5");
    row(b, s.nodes() == 1 ? "node" : "nodes", (s.nodes() == 1 ? "" : s.nodes() + (s.regions() == 1 ? " in one region" : " in " + s.regions() + " regions")
        + ", each with ")
        + "pool " + s.poolMode() + ", size " + s.poolSize() + ", cache " + (s.cache() ? "on" : "off"));
    row(b, "faults", (s.terminateEvery().isZero() ? "no backend terminated"
        : "`pg_terminate_backend` of a random backend of the application role every "
            + Durations.format(s.terminateEvery()) + " on average (" + tally.terminations() + " in all)")
        + "; " + (s.restartEvery().isZero() ? "no origin restart"
        : "origin restarted (fast shutdown, down " + Durations.format(s.downFor()) + ") every "
            + Durations.format(s.restartEvery()) + " (" + tally.restarts() + " in all)")
        + (s.nodeRestartEvery().isZero() ? "" : "; a node restarted (SIGTERM, down " + Durations.format(s.downFor())
            + ", same port and peers), the nodes in turn, every " + Durations.format(s.nodeRestartEvery()) + " ("
            + tally.nodeRestarts() + " in all)"));
    row(b, "duration", Durations.format(s.duration()) + " of load, seed " + s.seed());
    facts.forEach((k, v) -> row(b, k, "`" + Secrets.mask(v) + "`"));
    MachineInfo.describe().forEach((k, v) -> row(b, k, v));
    b.append('\n');

    b.append("## What the clients saw\n\n");
    b.append("| | |\n| --- | ---: |\n");
    tally.operationsByKind().forEach((k, v) -> row(b, "completed: " + k, String.format("%,d", v)));
    row(b, "completed in all", String.format("%,d", tally.operations()));
    row(b, "errors", String.format("%,d", tally.errors()));
    row(b, "freshness checks (read-your-writes, other clients' committed rows)", String.format("%,d",
        tally.freshnessChecks()));
    if (s.directWriters() > 0) {
      row(b, "of them, reads of rows written straight to the origin", String.format("%,d",
          tally.freshnessChecks(SoakLayout.Route.STRAIGHT_TO_ORIGIN)));
    }
    if (s.nodes() > 1) {
      row(b, "of them, reads through another node than the write's", String.format("%,d",
          tally.freshnessChecks(SoakLayout.Route.OTHER_NODE)));
    }
    row(b, "writes whose client left mid-statement, seen committed at the origin, then read through the node",
        String.format("%,d", tally.abandonedWritesCommitted()));
    row(b, "wrong answers (another row or another query's result)", Long.toString(tally.wrongAnswers()));
    row(b, "stale reads", Long.toString(tally.staleReads()));
    row(b, "unexpected errors", Long.toString(tally.unexpectedErrors()));
    row(b, "operations over " + Durations.format(s.operationBound()), Long.toString(tally.hungOperations()));
    row(b, "connections opened again", String.format("%,d", tally.reconnects()));
    row(b, "slowest operation", tally.slowestOperation().toMillis() + " ms, " + tally.slowestOperationKind());
    b.append('\n');
    if (!tally.errorsByKind().isEmpty()) {
      b.append("Errors by SQLSTATE and message (numbers shown as N). Expected under these faults: class 08 but 08P01,"
          + " 57P01, 57P02, 57P03, 57014.\n\n| count | SQLSTATE and message |\n| ---: | --- |\n");
      tally.errorsByKind().forEach((k, v) -> b.append("| ").append(String.format("%,d", v)).append(" | ")
          .append(oneLine(k).replace("|", "\\|")).append(" |\n"));
      b.append('\n');
    }
    Path file = s.out().resolve("soak.md");
    Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
    return file;
  }

  private static void row(StringBuilder b, String key, String value) {
    b.append("| ").append(key).append(" | ").append(oneLine(value).replace("|", "\\|")).append(" |\n");
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ').replace('\r', ' ');
  }
}
