package dev.outpost.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The node's own logback.xml, as `outpost serve` loads it, with an appender that keeps what passes. */
class JGroupsShutdownRaceFilterTest {
  private LoggerContext context;
  private ListAppender<ILoggingEvent> kept;

  @BeforeEach
  void configure() throws Exception {
    context = new LoggerContext();
    JoranConfigurator joran = new JoranConfigurator();
    joran.setContext(context);
    joran.doConfigure(getClass().getResource("/logback.xml"));
    kept = new ListAppender<>();
    kept.setContext(context);
    kept.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(kept);
  }

  @AfterEach
  void stop() {
    context.stop();
  }

  @Test
  void rejectionByATerminatedExecutor_fromJGroups_isDropped() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new SynchronousQueue<>());
    pool.shutdown();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    RejectedExecutionException stopped = catchThrowableOfType(RejectedExecutionException.class,
        () -> pool.execute(() -> { }));
    context.getLogger("org.jgroups.protocols.TCP").error("failed processing batch", stopped);
    context.getLogger("org.jgroups.protocols.TCP").error("{}: failed processing batch", "soak-1", stopped);
    assertThat(kept.list).isEmpty();
    // the same from Outpost's own code is a fault of ours, and kept
    context.getLogger("dev.outpost.cluster.ClusterNode").error("failed", stopped);
    assertThat(kept.list).hasSize(1);
  }

  @Test
  void rejectionByARunningPool_andOtherTransportErrors_areKept() throws Exception {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new SynchronousQueue<>());
    CountDownLatch release = new CountDownLatch(1);
    pool.execute(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    RejectedExecutionException full = catchThrowableOfType(RejectedExecutionException.class,
        () -> pool.execute(() -> { }));
    release.countDown();
    pool.shutdown();
    context.getLogger("org.jgroups.protocols.TCP").error("failed processing batch", full);
    context.getLogger("org.jgroups.protocols.TCP").error("failed sending message",
        new java.io.IOException("connection reset"));
    context.getLogger("org.jgroups.protocols.TCP").error("no cause");
    assertThat(kept.list).extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("failed processing batch", "failed sending message", "no cause");
  }
}
