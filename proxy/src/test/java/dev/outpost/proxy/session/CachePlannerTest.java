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
  void relativeTimeParameter_isFound_inAnyPosition() {
    assertThat(CachePlanner.relativeTimeParameter(new byte[][] {text("42"), null, text("tomorrow 10:00")})).isTrue();
    assertThat(CachePlanner.relativeTimeParameter(new byte[][] {text(" NOW ")})).isTrue();
  }

  /** Postgres reads all of these as the current time: any character but a letter delimits the word. */
  @Test
  void relativeTimeParameter_withAnyPunctuationOrPadding_isFound() {
    for (String v : new String[] {"now()", "(now)", "now!", "#now", "now_", "'now'", "today;", " ".repeat(100) + "now"}) {
      assertThat(CachePlanner.relativeTimeParameter(new byte[][] {text(v)})).as(v).isTrue();
    }
  }

  @Test
  void relativeTimeParameter_ordinaryValues_areNot() {
    assertThat(CachePlanner.relativeTimeParameter(new byte[][] {text("2024-01-01"), text("nowhere"), text("known"),
        null, new byte[] {0, 0, 0, 42}})).isFalse();
    assertThat(CachePlanner.relativeTimeParameter(new byte[0][])).isFalse();
  }
}
