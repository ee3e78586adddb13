package dev.outpost.bench.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child processes (a shell): how the bench learns that a server did or did not come up. */
class ChildProcessIT {
  @TempDir
  Path dir;

  @Test
  void processThatExits_failsTheStartWithItsLastWords() throws Exception {
    try (ChildProcess p = ChildProcess.start("cli", List.of("/bin/sh", "-c",
        "echo \"Unknown option: '--cache'\" >&2; echo 'Usage: outpost serve ...'; echo '  -h, --help'; exit 2"),
        dir.resolve("cli.log"))) {

      assertThatThrownBy(() -> p.awaitPort("127.0.0.1", Ports.freeLoopbackPort(), Duration.ofSeconds(60)))
          .isInstanceOf(ChildProcess.StartFailure.class)
          .hasMessageEndingWith("exited with code 2: Unknown option: '--cache'");
    }
  }

  @Test
  void processThatNeverListens_failsTheStartAfterTheDeadline() throws Exception {
    try (ChildProcess p = ChildProcess.start("sleeper", List.of("/bin/sh", "-c", "echo waiting; exec sleep 60"),
        dir.resolve("sleeper.log"))) {

      assertThatThrownBy(() -> p.awaitPort("127.0.0.1", Ports.freeLoopbackPort(), Duration.ofMillis(300)))
          .isInstanceOf(ChildProcess.StartFailure.class)
          .hasMessageContaining("did not listen").hasMessageContaining("waiting");
      p.close();
      assertThat(p.isAlive()).isFalse();
    }
  }

  @Test
  void lastLines_skipsBlankLines() throws Exception {
    try (ChildProcess p = ChildProcess.start("echo", List.of("/bin/sh", "-c", "printf 'a\\n\\nb\\nc\\n\\n'"),
        dir.resolve("echo.log"))) {
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isZero();

      assertThat(p.lastLines(2)).isEqualTo("b | c");
    }
  }

  @Test
  void outpostNode_missingJar_isNotAvailableWithoutStartingAnything() throws Exception {
    OutpostNode.Spec spec = new OutpostNode.Spec("edge", new PgAddress("127.0.0.1", 5432, "db", "u", "p"), 4, true,
        "60s", null);

    Availability<OutpostNode> node = OutpostNode.start(dir.resolve("nope.jar"), List.of(), spec, dir);

    assertThat(node.isPresent()).isFalse();
    assertThat(node.reason()).isEqualTo("the Outpost jar " + dir.resolve("nope.jar") + " is not built yet");
  }
}
