package dev.outpost.proxy.origin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-backend bookkeeping of prepared statements (an LRU) and applied settings. */
class ServerStateTest {

  @Test
  void preparedStatements_areAnLru_theLeastRecentlyUsedIsNamedForClosing() {
    ServerState s = new ServerState(2);
    assertThat(s.addPrepared("outpost_a")).isNull();
    assertThat(s.addPrepared("outpost_b")).isNull();
    assertThat(s.hasPrepared("outpost_a")).isTrue(); // a is now the most recently used

    assertThat(s.addPrepared("outpost_c")).isEqualTo("outpost_b");
    assertThat(s.hasPrepared("outpost_b")).isFalse();
    assertThat(s.preparedCount()).isEqualTo(2);
  }

  @Test
  void removePrepared_forgetsAFailedParse() {
    ServerState s = new ServerState(10);
    s.addPrepared("outpost_a");
    s.removePrepared("outpost_a");
    assertThat(s.hasPrepared("outpost_a")).isFalse();
    assertThat(s.preparedCount()).isZero();
  }

  @Test
  void discardAll_leavesAFreshBackend_deallocateAllOnlyDropsStatements() {
    ServerState s = new ServerState(10);
    Object client = new Object();
    s.addPrepared("outpost_a");
    s.unnamedOwner(client);
    s.appliedSettings(Map.of("timezone", "SET timezone = 'UTC'"));

    s.clearPrepared();
    assertThat(s.preparedCount()).isZero();
    assertThat(s.unnamedOwner()).isNull();
    assertThat(s.appliedSettings()).containsKey("timezone");

    s.addPrepared("outpost_b");
    s.reset();
    assertThat(s.preparedCount()).isZero();
    assertThat(s.appliedSettings()).isEmpty();
  }

  /**
   * A version serves a client's statement only when it was parsed no earlier than the client's
   * Parse; an older one is replaced by a new version, and one closed to make room serves nobody.
   */
  @Test
  void versions_serveOnlyClientsThatParsedBeforeThem() {
    ServerState s = new ServerState(2);
    long clientParsedEarly = System.nanoTime();
    String v1 = s.newVersion("outpost_x");
    s.addPrepared(v1);
    assertThat(s.preparedSince("outpost_x", clientParsedEarly)).isEqualTo(v1);
    long clientParsedLater = tickAfter(System.nanoTime()); // strictly after v1 was parsed
    assertThat(s.preparedSince("outpost_x", clientParsedLater)).as("parsed before that client's Parse").isNull();

    String v2 = s.newVersion("outpost_x");
    assertThat(v2).isNotEqualTo(v1);
    s.addPrepared(v2);
    assertThat(s.preparedSince("outpost_x", clientParsedLater)).isEqualTo(v2);
    assertThat(s.preparedSince("outpost_x", clientParsedEarly)).as("the newest serves earlier clients too").isEqualTo(v2);

    assertThat(s.addPrepared(s.newVersion("outpost_y"))).as("the LRU closes the older version").isEqualTo(v1);
    String v3 = s.newVersion("outpost_z");
    assertThat(s.addPrepared(v3)).isEqualTo(v2);
    assertThat(s.preparedSince("outpost_x", clientParsedEarly)).as("closed to make room").isNull();

    s.removePrepared(v3); // its Parse failed
    assertThat(s.preparedSince("outpost_z", clientParsedEarly)).isNull();
  }

  /** A backend that sees many statement texts remembers versions only of those it still has. */
  @Test
  void versions_areForgottenWithTheStatementsTheLruCloses() {
    ServerState s = new ServerState(4);
    long clientParsed = System.nanoTime();
    for (int i = 0; i < 1000; i++) {
      s.addPrepared(s.newVersion("outpost_text" + i));
    }
    assertThat(s.preparedCount()).isEqualTo(4);
    assertThat(s.versionCount()).isEqualTo(4);
    assertThat(s.preparedSince("outpost_text999", clientParsed)).isNotNull();
    assertThat(s.preparedSince("outpost_text0", clientParsed)).isNull();
  }

  /** The first {@link System#nanoTime} reading after {@code t} (a clock may repeat a reading). */
  private static long tickAfter(long t) {
    long now = System.nanoTime();
    while (now - t <= 0) {
      Thread.onSpinWait();
      now = System.nanoTime();
    }
    return now;
  }
}
