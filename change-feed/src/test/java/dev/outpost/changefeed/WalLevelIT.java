package dev.outpost.changefeed;

import static dev.outpost.changefeed.FeedHarness.DEADLINE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.changefeed.ChangeFeedStatus.State;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An origin left at wal_level = replica: a clear check failure and a FAILED feed, never a silent no-op. */
class WalLevelIT {

  private static EmbeddedPostgres replicaOrigin;

  @BeforeAll
  static void start() throws Exception {
    replicaOrigin = EmbeddedPostgres.builder().setServerConfig("wal_level", "replica")
        .setServerConfig("listen_addresses", "127.0.0.1").setPGStartupWait(Duration.ofSeconds(60)).start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (replicaOrigin != null) {
      replicaOrigin.close();
    }
  }

  private static ConnectionInfo info() {
    return ConnectionInfo.plain("127.0.0.1", replicaOrigin.getPort(), "postgres", "postgres", null);
  }

  @Test
  void check_namesWalLevelLogical() {
    CheckResult r = ChangeFeed.check(info(), "outpost_eu");
    assertThat(r.ok()).isFalse();
    assertThat(r.problems()).hasSize(1);
    assertThat(r.problems().get(0)).contains("wal_level = replica").contains("wal_level = logical")
        .contains("restart");
  }

  @Test
  void feed_failsWithTheSameReason() {
    ChangeFeed f = ChangeFeed.builder(info(), FeedHarness.options("outpost_eu"), new RecordingSink()).build();
    try {
      f.start();
      await().atMost(DEADLINE).until(() -> f.status().state() == State.FAILED);
      assertThat(f.status().reason()).contains("wal_level = logical");
      assertThat(f.status().errors()).isEqualTo(1);
    } finally {
      f.stop();
    }
    assertThat(f.status().state()).as("stop keeps the failure visible").isEqualTo(State.FAILED);
  }
}
