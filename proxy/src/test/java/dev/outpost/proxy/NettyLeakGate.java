package dev.outpost.proxy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails a test class when Netty reported a leaked buffer (a {@code release()} that never came)
 * while it ran. Registered for every test class of this module by
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension}; the suite runs with
 * {@code -Dio.netty.leakDetectionLevel=paranoid}, so every buffer is tracked.
 *
 * <p>Netty notices a leak only after the garbage collector freed the buffer, and reports it on a
 * later allocation. After each class the gate therefore runs a collection and allocates a few
 * tracked buffers, then looks at what the detector logged. A report can still surface one class
 * late; its access records (printed with it) say where the buffer was last touched.
 */
public final class NettyLeakGate implements BeforeAllCallback, AfterAllCallback {
  private static final String DETECTOR_LOGGER = ResourceLeakDetector.class.getName();
  private static final Reports REPORTS = new Reports();

  @Override
  public void beforeAll(ExtensionContext context) {
    REPORTS.attach();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    List<String> leaks = collect(3);
    if (!leaks.isEmpty()) {
      throw new AssertionError(leaks.size() + " buffer leak(s) reported by Netty while "
          + context.getDisplayName() + " ran (or just before); first report:\n" + leaks.get(0));
    }
  }

  /**
   * Runs {@code rounds} collections, each followed by tracked allocations that make the detector
   * report what the collection freed; returns (and forgets) the reports logged since the last call.
   */
  static List<String> collect(int rounds) {
    REPORTS.attach();
    if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.DISABLED) {
      for (int i = 0; i < rounds; i++) {
        System.gc();
        for (int j = 0; j < 64; j++) {
          ByteBuf probe = j % 2 == 0 ? ByteBufAllocator.DEFAULT.directBuffer(16) : ByteBufAllocator.DEFAULT.heapBuffer(16);
          probe.release();
        }
      }
    }
    return REPORTS.drain();
  }

  /** The leak reports the detector logs, kept until drained. */
  private static final class Reports extends AppenderBase<ILoggingEvent> {
    private final List<String> seen = new CopyOnWriteArrayList<>();

    synchronized void attach() {
      if (isStarted()) {
        return;
      }
      LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
      setContext(lc);
      setName("netty-leak-gate");
      start();
      Logger detector = lc.getLogger(DETECTOR_LOGGER);
      if (!detector.isEnabledFor(Level.ERROR)) {
        detector.setLevel(Level.ERROR); // Netty only looks for leaks while it can report them
      }
      detector.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent e) {
      if (e.getLevel().isGreaterOrEqual(Level.ERROR) && e.getFormattedMessage().contains("LEAK")) {
        seen.add(e.getFormattedMessage());
      }
    }

    synchronized List<String> drain() {
      List<String> out = new ArrayList<>(seen);
      seen.removeAll(out);
      return out;
    }
  }
}
