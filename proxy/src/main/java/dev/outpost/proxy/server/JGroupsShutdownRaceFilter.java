package dev.outpost.proxy.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Marker;

/**
 * Drops the one ERROR JGroups logs when a node leaves its region while a peer still talks to it:
 * a protocol that has stopped (its executor terminated) is handed a message by the transport,
 * which is still running below it, and the transport logs "failed processing batch" with a
 * {@link RejectedExecutionException} and a stack trace. Seen in soaks at 2 of 67 node stops,
 * 15-30 ms before "outpost stopped". The rejected task would have verified a suspected peer
 * for a node that is leaving anyway; an operator would read the line as a fault.
 *
 * <p>Only that case is dropped: a warning or error of a JGroups logger, and a rejection by an
 * executor that has terminated (which happens only once its protocol has stopped). A rejection
 * by a running pool (a full one) and every other transport error are logged as before.
 */
public final class JGroupsShutdownRaceFilter extends TurboFilter {
  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    // asked before every logging call's level check, the node's hot path included: cheapest test first
    if (level == null || level.levelInt < Level.WARN_INT || logger == null
        || !logger.getName().startsWith("org.jgroups.")) {
      return FilterReply.NEUTRAL;
    }
    Throwable thrown = t;
    if (thrown == null && params != null && params.length > 0 && params[params.length - 1] instanceof Throwable last) {
      thrown = last; // logged as error(format, args..., throwable)
    }
    for (Throwable c = thrown; c != null; c = c.getCause()) {
      if (c instanceof RejectedExecutionException && c.getMessage() != null
          && c.getMessage().contains("[Terminated")) {
        return FilterReply.DENY;
      }
    }
    return FilterReply.NEUTRAL;
  }
}
