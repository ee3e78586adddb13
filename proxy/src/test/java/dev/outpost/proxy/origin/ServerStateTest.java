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
}
