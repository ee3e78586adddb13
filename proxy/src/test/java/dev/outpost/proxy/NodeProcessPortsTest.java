package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The ports the ITs hand to nodes come from below the kernel's ephemeral range, where an outgoing
 * connection cannot take them between the pick and the node's bind.
 */
class NodeProcessPortsTest {
  private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  @Test
  void freePorts_comeFromBelowTheKernelsEphemeralRange() throws Exception {
    assumeTrue(Files.isReadable(RANGE), "no " + RANGE + " (not Linux): ports come from the kernel");
    int low;
    try (BufferedReader r = Files.newBufferedReader(RANGE)) {
      low = Integer.parseInt(r.readLine().trim().split("\\s+")[0]);
    }
    assertThat(NodeProcess.ephemeralRangeStart()).as("the range's start as the helper reads it").isEqualTo(low);
    assumeTrue(low > 21_000, "the ephemeral range starts at " + low + ": too little room below it");
    for (int i = 0; i < 20; i++) {
      assertThat(NodeProcess.freePort()).isBetween(20_000, low - 1);
    }
  }
}
