package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The parameter check that keeps 'now', 'today' … out of the cache. */
class CachePlannerTest {
  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void relativeTimeParameter_inTextFormat_isFound_whateverTheFormatCodeLayout() {
    byte[][] values = {text("42"), null, text("tomorrow 10:00")};

    assertThat(CachePlanner.relativeTimeParameter(values, new short[0])).as("no codes: all text").isTrue();
    assertThat(CachePlanner.relativeTimeParameter(values, new short[] {0})).as("one code for all").isTrue();
    assertThat(CachePlanner.relativeTimeParameter(values, new short[] {1, 1, 0})).as("one code each").isTrue();
  }

  @Test
  void relativeTimeParameter_binaryOrOrdinaryValues_areNot() {
    byte[][] values = {text("42"), null, text("now")};

    assertThat(CachePlanner.relativeTimeParameter(values, new short[] {1})).as("binary: no date/time input").isFalse();
    assertThat(CachePlanner.relativeTimeParameter(values, new short[] {0, 0, 1})).isFalse();
    assertThat(CachePlanner.relativeTimeParameter(new byte[][] {text("2024-01-01"), text("nowhere"), text("now()")},
        new short[0])).isFalse();
  }
}
