package dev.outpost.proxy.feed;

import dev.outpost.cache.QueryCache;
import dev.outpost.cache.sql.TableRef;
import dev.outpost.changefeed.ChangeEvent;
import dev.outpost.changefeed.ChangeFeed;
import dev.outpost.changefeed.ChangeFeedOptions;
import dev.outpost.changefeed.ChangeFeedStatus;
import dev.outpost.changefeed.CheckResult;
import dev.outpost.changefeed.ConnectionInfo;
import dev.outpost.changefeed.TableName;
import dev.outpost.proxy.admin.AdminResult;
import dev.outpost.proxy.config.ChangeFeedSettings;
import dev.outpost.proxy.config.OriginHost;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.metrics.ChangeFeedLag;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change feed of one node: started when the node becomes its region's coordinator (or at start
 * when it runs alone), stopped when it no longer is, so at most one consumer per slot runs at any
 * time (Postgres also refuses a second consumer of an active slot; the feed then waits and
 * retries). Every event invalidates the tables it names in the origin URL's database — applied on
 * this node at once, and acknowledged to the origin only after the cache's bus delivered it in the
 * region's order (and from there across regions).
 *
 * <p>One feed covers one database (a logical replication slot belongs to one): the origin URL's.
 */
public final class NodeChangeFeed implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeChangeFeed.class);

  private volatile ConnectionInfo origin; // only its password changes (RELOAD), under this object's lock
  private final String slot;
  private final QueryCache cache;
  private ChangeFeed feed;
  /** Commits the feed saw that changed the schema (DDL recorded by the event trigger). */
  private final java.util.concurrent.atomic.LongAdder schemaChanges = new java.util.concurrent.atomic.LongAdder();
  /** Written by the feed's own thread (listener), which must never wait for this object's lock. */
  private volatile ChangeFeedStatus last;

  private NodeChangeFeed(ConnectionInfo origin, String slot, QueryCache cache) {
    this.origin = origin;
    this.slot = slot;
    this.cache = cache;
  }

  /**
   * Checks the origin and returns the feed (not yet started), or null when it is unsupported and
   * the settings say to run without it. An origin that cannot answer right now (down, restarting,
   * shutting down, out of connections) is not judged: the node starts with the feed, which connects,
   * checks and streams once the origin answers — retrying meanwhile, and failing visibly (admin
   * console, log) if the origin then turns out not to support it. A node must come up during an origin outage, as it
   * does without the feed (DESIGN §5.5).
   *
   * @throws IllegalStateException naming what the origin lacks, when the settings say error
   */
  public static NodeChangeFeed prepare(OriginUrl origin, ChangeFeedSettings settings, String slot, QueryCache cache) {
    ConnectionInfo info = connectionInfo(origin);
    CheckResult check = ChangeFeed.check(info, slot);
    check.warnings().forEach(w -> log.warn("change feed {}: {}", slot, w));
    if (!check.judged()) {
      log.warn("change feed {}: not checked at start: {}; the feed checks the origin and streams once it answers",
          slot, String.join("; ", check.problems()));
      return new NodeChangeFeed(info, slot, cache);
    }
    if (!check.ok()) {
      String problems = String.join("; ", check.problems());
      if (settings.whenUnsupported() == ChangeFeedSettings.WhenUnsupported.ERROR) {
        throw new IllegalStateException("change-feed is on but the origin cannot provide it: " + problems
            + " (set change-feed-when-unsupported: warn to run without it)");
      }
      log.warn("change feed off: the origin cannot provide it: {}; writes that bypass Outpost are seen only when"
          + " cached entries expire", problems);
      return null;
    }
    return new NodeChangeFeed(info, slot, cache);
  }

  /** The change-feed connection of an origin URL (same role, password and TLS as the pools). */
  public static ConnectionInfo connectionInfo(OriginUrl o) {
    ConnectionInfo.SslMode mode = ConnectionInfo.SslMode.valueOf(o.sslMode().name());
    List<String> more = o.hosts().stream().skip(1).map(OriginHost::address).toList();
    return new ConnectionInfo(o.host(), o.port(), o.database(), o.user(), o.password(), mode, o.sslRootCert(),
        o.sslNegotiation() == OriginUrl.SslNegotiation.DIRECT, o.channelBinding().name().toLowerCase(Locale.ROOT),
        o.sslCert(), o.sslKey(), more,
        o.severalHosts() || o.targetSessionAttrs() != OriginUrl.TargetSessionAttrs.ANY);
  }

  /** Starts consuming (idempotent). */
  public synchronized void start() {
    if (feed != null) {
      return;
    }
    feed = ChangeFeed.builder(origin, ChangeFeedOptions.defaults(slot), this::committed)
        .listener(s -> last = s).build();
    feed.start();
    log.info("change feed {}: consuming on this node", slot);
  }

  /**
   * The origin URL's password was rotated (RELOAD): connections the feed opens from now on log in
   * with the new one, here and after this node next becomes the consumer. A feed that had failed
   * (the origin refused the old password, which is permanent until an operator acts) starts again.
   */
  public synchronized void password(String password) {
    if (java.util.Objects.equals(password, origin.password())) {
      return;
    }
    origin = origin.withPassword(password);
    if (feed == null) {
      return;
    }
    feed.password(password);
    if (feed.status().state() == ChangeFeedStatus.State.FAILED) {
      log.info("change feed {}: starting again with the origin's new password (it had failed: {})", slot,
          feed.status().reason());
      feed.stop();
      feed.start();
    }
  }

  /** Stops consuming; the slot stays for the next consumer (idempotent). */
  public synchronized void stop() {
    if (feed != null) {
      last = feed.status();
      feed.stop();
      feed = null;
      log.info("change feed {}: stopped on this node", slot);
    }
  }

  /**
   * Invalidates what a committed origin transaction touched: applied on this node before this
   * returns; the future completes when the cache bus delivered it in the region's order (numbered
   * by the region's sequencer, so every member applies it or flushes; other regions get it through
   * the bridge), and only then is the commit confirmed to the origin. A node that leaves the region
   * first fails the future, and the next consumer replays the commit.
   */
  private CompletableFuture<Void> committed(ChangeEvent e) {
    try {
      if (e.schemaChanged()) {
        // DDL recorded by the event trigger, or a new slot (nothing before it was observed)
        if (!e.allRelations()) {
          schemaChanges.increment();
        }
        return cache.invalidateSchema(e.database());
      }
      List<TableRef> tables = new ArrayList<>();
      for (TableName t : e.relations()) {
        tables.add(TableRef.of(t.schema(), t.name()));
      }
      return cache.invalidate(e.database(), tables);
    } catch (RuntimeException ex) {
      return CompletableFuture.failedFuture(ex);
    }
  }

  /** True while this node consumes the slot. */
  public synchronized boolean consumingHere() {
    return feed != null;
  }

  /** The latest status, or null before the feed ever ran here. */
  public synchronized ChangeFeedStatus status() {
    return feed != null ? feed.status() : last;
  }

  /** Lag for the metrics; null while the feed does not run on this node. */
  public ChangeFeedLag lag() {
    ChangeFeedStatus s = status();
    if (s == null || !s.running()) {
      return null;
    }
    return new ChangeFeedLag(Math.max(0, s.lagBytes()), s.lagSeconds());
  }

  /** SHOW CHANGE FEED. */
  public AdminResult rows(String node) {
    ChangeFeedStatus s = status();
    AdminResult.Builder r = AdminResult.builder("SHOW", "name", "value");
    r.row("slot", slot);
    r.row("database", origin.database());
    boolean here;
    synchronized (this) {
      here = feed != null;
    }
    r.row("consumer", here ? node + " (this node)" : "another node of the region (the coordinator)");
    if (s != null) {
      r.row("state", s.state().name().toLowerCase(java.util.Locale.ROOT) + (s.reason() == null ? "" : ": "
          + s.reason()));
      r.row("confirmed_lsn", String.valueOf(s.confirmedLsn()));
      r.row("received_lsn", String.valueOf(s.receivedLsn()));
      r.row("lag_bytes", s.lagBytes() < 0 ? "unknown" : Long.toString(s.lagBytes()));
      r.row("lag_seconds", String.format(java.util.Locale.ROOT, "%.3f", s.lagSeconds()));
      r.row("events", s.eventsDelivered());
      r.row("relations_invalidated", s.relationsInvalidated());
      r.row("schema_changes", schemaChanges.sum());
      r.row("errors", s.errors());
      r.row("since", String.valueOf(s.since()));
    }
    return r.build();
  }

  @Override
  public void close() {
    stop();
  }
}
