package dev.outpost.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The soak's reading of a node log line's level: ERROR alarms, an origin's error quoted at INFO does not. */
class SoakNodeLogTest {
  @Test
  void theLevelIsTheFieldAfterTheTime_notAWordOfTheMessage() {
    assertThat(Soak.levelOf("15:34:27.786 INFO  [outpost-io-3-1] OriginConnection  - origin connection 724 (backend pid"
        + " 7554) reported while idle: ERROR 57014 canceling statement due to user request")).isEqualTo("INFO");
    assertThat(Soak.levelOf("15:34:27.786 ERROR [outpost-io-3-1] ClientSession  - failed handling a response"))
        .isEqualTo("ERROR");
    assertThat(Soak.levelOf("\tat dev.outpost.proxy.session.ClientSession.dispatch(ClientSession.java:1)")).isNull();
    assertThat(Soak.levelOf("io.netty.util.internal.OutOfDirectMemoryError: ERROR failed")).isNull();
  }
}
