package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gate that fails a class on a leaked buffer does see one (and forgets it again here). */
class NettyLeakGateTest {
  @Test
  void aBufferThatIsNeverReleasedIsReported() {
    assertThat(ResourceLeakDetector.getLevel())
        .as("the suite runs with leak detection on (test.argLine in the root pom)")
        .isNotEqualTo(ResourceLeakDetector.Level.DISABLED);
    NettyLeakGate.collect(1); // start from a clean slate
    leakOne();
    List<String> reports = new ArrayList<>();
    for (int attempt = 0; attempt < 50 && reports.isEmpty(); attempt++) {
      reports.addAll(NettyLeakGate.collect(1));
    }
    assertThat(reports).isNotEmpty();
    assertThat(reports.get(0)).contains("LEAK").contains("release()");
    assertThat(NettyLeakGate.collect(1)).as("drained").isEmpty();
  }

  private static void leakOne() {
    ByteBufAllocator.DEFAULT.directBuffer(32).writeInt(42); // never released
  }
}
