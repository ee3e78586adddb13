package dev.outpost.proxy.admin;

import dev.outpost.cache.CacheStats;
import dev.outpost.cache.CacheStatus;
import dev.outpost.cache.TableUsage;
import dev.outpost.cache.sql.TableRef;
import dev.outpost.proxy.config.ConfigDiff;
import dev.outpost.proxy.config.ConfigException;
import dev.outpost.proxy.config.ConfigRow;
import dev.outpost.proxy.metrics.Latency;
import dev.outpost.proxy.metrics.MetricsSnapshot;
import dev.outpost.proxy.origin.OriginConnection;
import dev.outpost.proxy.origin.OriginPool;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.proxy.session.ClientSession;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin console's commands (DESIGN §10.2), answered from the node's live state as ordinary
 * rows, so psql draws tables:
 *
 * <pre>
 * SHOW POOLS | CLIENTS | SERVERS | STATS | CACHE | CLUSTER | CONFIG | CHANGE FEED | HELP
 * INVALIDATE TABLE name [IN DATABASE db]      INVALIDATE ALL [IN DATABASE db]
 * RELOAD      PAUSE [db]      RESUME [db]      RECONNECT [db]      WAIT_CLOSE [db]
 * KILL CLIENT id      KILL db      DISABLE db      ENABLE db
 * </pre>
 *
 * The numbers are the ones {@code /metrics} exposes (both read the same meters).
 */
public final class AdminConsole {
  /** A name as the console takes it: quoted (kept as written) or bare (folded to lower case). */
  private static final String NAME = "(\"[^\"]+\"|[\\w$]+)";
  private static final Pattern INVALIDATE_TABLE = Pattern.compile(
      "invalidate\\s+table\\s+" + NAME + "(?:\\." + NAME + ")?(?:\\s+in\\s+database\\s+" + NAME + ")?",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern INVALIDATE_ALL = Pattern.compile(
      "invalidate\\s+all(?:\\s+in\\s+database\\s+" + NAME + ")?", Pattern.CASE_INSENSITIVE);
  private static final Pattern PAUSE = withOptionalDatabase("pause");
  private static final Pattern RESUME = withOptionalDatabase("resume");
  private static final Pattern RECONNECT = withOptionalDatabase("reconnect");
  private static final Pattern WAIT_CLOSE = withOptionalDatabase("wait_close");
  private static final Pattern KILL_CLIENT = Pattern.compile("kill\\s+client\\s+(-?\\d+)", Pattern.CASE_INSENSITIVE);
  private static final Pattern KILL_DATABASE = Pattern.compile("kill\\s+" + NAME, Pattern.CASE_INSENSITIVE);
  private static final Pattern DISABLE = Pattern.compile("disable\\s+" + NAME, Pattern.CASE_INSENSITIVE);
  private static final Pattern ENABLE = Pattern.compile("enable\\s+" + NAME, Pattern.CASE_INSENSITIVE);

  private static Pattern withOptionalDatabase(String command) {
    return Pattern.compile(command + "(?:\\s+" + NAME + ")?", Pattern.CASE_INSENSITIVE);
  }

  private final OutpostNode node;

  public AdminConsole(OutpostNode node) {
    this.node = node;
  }

  /** Runs one command; errors are {@link PgWireException}s with a SQLSTATE. */
  public AdminResult execute(String command) {
    String c = withoutSemicolons(command);
    String lower = c.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
    switch (lower) {
      case "show pools":
        return pools();
      case "show clients":
        return clients();
      case "show servers":
        return servers();
      case "show stats":
        return stats();
      case "show cache":
        return cache();
      case "show cluster":
        return node.clusterView().rows();
      case "show change feed":
        return node.changeFeedView().rows();
      case "show config":
        return config();
      case "show help":
      case "help":
        return help();
      case "reload":
        return reload();
      default:
        break;
    }
    if (lower.startsWith("set ") || lower.startsWith("reset ")) {
      // drivers set session parameters when they connect; the console has none to change
      return AdminResult.command(lower.startsWith("set ") ? "SET" : "RESET");
    }
    Matcher t = INVALIDATE_TABLE.matcher(c);
    if (t.matches()) {
      String schema = t.group(2) == null ? null : unquote(t.group(1));
      String table = unquote(t.group(2) == null ? t.group(1) : t.group(2));
      for (String db : databases(t.group(3))) {
        node.cacheService().cache().invalidate(db, List.of(TableRef.of(schema, table)));
      }
      return AdminResult.command("INVALIDATE");
    }
    Matcher a = INVALIDATE_ALL.matcher(c);
    if (a.matches()) {
      for (String db : databases(a.group(1))) {
        node.cacheService().cache().invalidateAll(db);
      }
      return AdminResult.command("INVALIDATE");
    }
    Matcher resume = RESUME.matcher(c);
    if (resume.matches()) {
      node.resume(resume.group(1) == null ? null : unquote(resume.group(1)));
      return AdminResult.command("RESUME");
    }
    Matcher k = KILL_CLIENT.matcher(c);
    if (k.matches()) {
      return killClient(k.group(1));
    }
    Matcher r = RECONNECT.matcher(c);
    if (r.matches()) {
      return reconnect(r.group(1) == null ? null : unquote(r.group(1)));
    }
    Matcher kd = KILL_DATABASE.matcher(c);
    if (kd.matches()) {
      return killDatabase(unquote(kd.group(1)));
    }
    Matcher d = DISABLE.matcher(c);
    if (d.matches()) {
      node.disable(unquote(d.group(1)));
      return AdminResult.command("DISABLE");
    }
    Matcher e = ENABLE.matcher(c);
    if (e.matches()) {
      node.enable(unquote(e.group(1)));
      return AdminResult.command("ENABLE");
    }
    throw new PgWireException(Sqlstate.SYNTAX_ERROR, "unknown admin command: " + truncate(c), null,
        "try SHOW HELP", false);
  }

  private static String truncate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }

  private static String unquote(String s) {
    return s.startsWith("\"") ? s.substring(1, s.length() - 1) : s.toLowerCase(Locale.ROOT);
  }

  /** The named database, or every database the node has a pool for. */
  private List<String> databases(String named) {
    if (named != null) {
      return List.of(unquote(named));
    }
    List<String> dbs = new ArrayList<>();
    for (OriginPool p : node.pools()) {
      if (!dbs.contains(p.target().database())) {
        dbs.add(p.target().database());
      }
    }
    return dbs;
  }

  /**
   * The answer of a command that answers later — PAUSE [db] ({@link #pause}) or WAIT_CLOSE [db]
   * ({@link #waitClose}) — checked on {@code loop}; null for any other command ({@link #execute}).
   */
  public CompletableFuture<AdminResult> later(String command, EventExecutor loop) {
    String c = withoutSemicolons(command);
    Matcher p = PAUSE.matcher(c);
    if (p.matches()) {
      return pause(p.group(1) == null ? null : unquote(p.group(1)), loop);
    }
    Matcher w = WAIT_CLOSE.matcher(c);
    if (w.matches()) {
      return waitClose(w.group(1) == null ? null : unquote(w.group(1)), loop);
    }
    return null;
  }

  private static String withoutSemicolons(String command) {
    String c = command.trim();
    while (c.endsWith(";")) {
      c = c.substring(0, c.length() - 1).trim();
    }
    return c;
  }

  /**
   * Checks {@code step} on {@code loop} now and every 20 ms until it has completed {@code done};
   * from {@code shutdown-timeout} on, {@code step} is told the time is up (and must complete it).
   */
  private CompletableFuture<AdminResult> poll(EventExecutor loop, Step step) {
    CompletableFuture<AdminResult> done = new CompletableFuture<>();
    Duration limit = node.config().shutdownTimeout();
    long deadline = System.nanoTime() + limit.toNanos();
    Runnable[] check = new Runnable[1];
    check[0] = () -> {
      step.check(done, System.nanoTime() - deadline >= 0, limit);
      if (!done.isDone()) {
        loop.schedule(check[0], 20, TimeUnit.MILLISECONDS);
      }
    };
    check[0].run();
    return done;
  }

  /** One check of a command that answers later. */
  private interface Step {
    void check(CompletableFuture<AdminResult> done, boolean timeUp, Duration limit);
  }

  /** "in transaction for 31.0 s": what a client holding an origin connection does, for PAUSE's and WAIT_CLOSE's errors. */
  private static String doing(ClientSession s) {
    return String.format(Locale.ROOT, "%s for %.1f s", s.state(), s.stateSeconds());
  }

  /**
   * PAUSE [db]: from now on, requests that need an origin connection (of that database) wait for
   * RESUME; the answer comes once no client (of that database) holds one any more — the
   * transactions that were running have ended, so the origin may be restarted or switched over — or,
   * after {@code shutdown-timeout}, as an error (55000) naming the clients still holding one (the
   * pause stays).
   */
  private CompletableFuture<AdminResult> pause(String database, EventExecutor loop) {
    node.pause(database);
    return poll(loop, (done, timeUp, limit) -> {
      if (database == null ? !node.paused() : !node.paused(database)) {
        done.completeExceptionally(new PgWireException(Sqlstate.OBJECT_NOT_IN_PREREQUISITE_STATE,
            "a RESUME ended the pause before the running transactions did", null, null, false));
        return;
      }
      List<ClientSession> holding = new ArrayList<>();
      for (ClientSession s : node.sessions()) {
        if (s.holdsOrigin() && (database == null || database.equals(s.database()))) {
          holding.add(s);
        }
      }
      if (holding.isEmpty()) {
        done.complete(AdminResult.command("PAUSE"));
      } else if (timeUp) {
        holding.sort(java.util.Comparator.comparingDouble(ClientSession::stateSeconds).reversed());
        StringBuilder who = new StringBuilder();
        for (int i = 0; i < Math.min(5, holding.size()); i++) {
          ClientSession c = holding.get(i);
          who.append(i == 0 ? "" : ", ").append("client ").append(c.id()).append(" (").append(doing(c)).append(')');
        }
        done.completeExceptionally(new PgWireException(Sqlstate.OBJECT_NOT_IN_PREREQUISITE_STATE,
            "paused, but " + holding.size() + " client(s) still hold an origin connection after "
                + limit.toMillis() + " ms (shutdown-timeout): " + who + (holding.size() > 5 ? ", …" : ""),
            "the node stays paused: new requests wait for RESUME",
            "end them with KILL CLIENT id or wait and PAUSE again before touching the origin; RESUME undoes the pause",
            false));
      }
    });
  }

  /**
   * WAIT_CLOSE [db]: answers once the origin connections that close when free (after RECONNECT,
   * after the pool moved to another origin host, or past their lifetime) of that database's pools
   * (every pool when null) have closed, including those that were still logging in at the
   * RECONNECT — from then on, every origin connection has logged in since. After
   * {@code shutdown-timeout}, an error (55000) names the connections still open and their clients.
   */
  private CompletableFuture<AdminResult> waitClose(String database, EventExecutor loop) {
    List<OriginPool> pools = requirePools(database, "nothing to wait for");
    return poll(loop, (done, timeUp, limit) -> {
      List<OriginPool.Closing> open = new ArrayList<>();
      for (OriginPool p : pools) {
        OriginPool.Closing c = p.closing();
        if (!c.none()) {
          open.add(c);
        }
      }
      if (open.isEmpty()) {
        done.complete(AdminResult.command("WAIT_CLOSE"));
      } else if (timeUp) {
        StringBuilder what = new StringBuilder();
        int connections = 0;
        int shown = 0;
        for (OriginPool.Closing c : open) {
          connections += c.connections().size() + c.loggingIn();
          for (OriginConnection oc : c.connections()) {
            if (shown++ < 5) {
              what.append(what.length() == 0 ? "" : ", ").append(c.pool()).append(" backend ")
                  .append(oc.backendKey().processId()).append(" (")
                  .append(oc.holder() instanceof ClientSession s ? "client " + s.id() + ", " + doing(s) : oc.state())
                  .append(')');
            }
          }
          if (c.loggingIn() > 0 && shown++ < 5) {
            what.append(what.length() == 0 ? "" : ", ").append(c.pool()).append(": ").append(c.loggingIn())
                .append(" still logging in");
          }
        }
        done.completeExceptionally(new PgWireException(Sqlstate.OBJECT_NOT_IN_PREREQUISITE_STATE,
            connections + " origin connection(s) to be replaced are still open after " + limit.toMillis()
                + " ms (shutdown-timeout): " + what + (shown > 5 ? ", …" : ""),
            "they close when their clients give them back (at the end of the transaction; in session pooling,"
                + " when the client disconnects)",
            "end those clients with KILL CLIENT id, or WAIT_CLOSE again", false));
      }
    });
  }

  /** The pools of {@code database} (all when null). */
  private List<OriginPool> poolsOf(String database) {
    List<OriginPool> pools = new ArrayList<>();
    for (OriginPool p : sorted(node.pools())) {
      if (database == null || p.target().database().equals(database)) {
        pools.add(p);
      }
    }
    return pools;
  }

  /** As {@link #poolsOf}; 3D000 when a named database has no pool. */
  private List<OriginPool> requirePools(String database, String consequence) {
    List<OriginPool> pools = poolsOf(database);
    if (database != null && pools.isEmpty()) {
      throw new PgWireException(Sqlstate.INVALID_CATALOG_NAME, "no pool for database \"" + database
          + "\": " + consequence, null, "SHOW POOLS lists the pools (a pool opens with its first client)",
          false);
    }
    return pools;
  }

  /**
   * RECONNECT: every origin connection of the database's pools (all pools when null) is replaced —
   * idle ones now, busy ones when their transaction or session gives them back — and so are the
   * catalog's connections. One row per pool.
   */
  private AdminResult reconnect(String database) {
    List<OriginPool> pools = requirePools(database, "nothing to reconnect");
    AdminResult.Builder r = AdminResult.builder("RECONNECT", "pool", "closed_idle", "close_when_free");
    for (OriginPool p : pools) {
      OriginPool.Reconnect done = p.reconnect();
      r.row(done.pool(), done.closedIdle(), done.inUse() + done.loggingIn());
    }
    node.cacheService().reconnectCatalog(database);
    return r.build();
  }

  /**
   * KILL db: ends every client connection of the database (FATAL 57P01, open transactions rolled
   * back) and replaces its pools' origin connections (RECONNECT). New clients may log in at once:
   * DISABLE db first keeps them out. One row per pool, and how many clients were ended.
   */
  private AdminResult killDatabase(String database) {
    List<ClientSession> ended = new ArrayList<>();
    for (ClientSession s : node.sessions()) {
      if (database.equals(s.database())) {
        ended.add(s);
      }
    }
    List<OriginPool> pools = poolsOf(database);
    if (ended.isEmpty() && pools.isEmpty()) {
      throw new PgWireException(Sqlstate.INVALID_CATALOG_NAME, "no client and no pool for database \"" + database
          + "\": nothing to kill", null, "SHOW POOLS and SHOW CLIENTS list the databases in use", false);
    }
    ended.forEach(s -> s.terminate("KILL " + database));
    AdminResult.Builder r = AdminResult.builder("KILL", "pool", "clients_ended", "closed_idle", "close_when_free");
    for (OriginPool p : pools) {
      OriginPool.Reconnect done = p.reconnect();
      r.row(done.pool(), ended.stream().filter(s -> s.pool() == p).count(),
          done.closedIdle(), done.inUse() + done.loggingIn());
    }
    return r.build();
  }

  /** KILL CLIENT id: ends one client's connection (the id of SHOW CLIENTS, the client's backend pid). */
  private AdminResult killClient(String id) {
    for (ClientSession s : node.sessions()) {
      if (Integer.toString(s.id()).equals(id)) {
        s.terminate("KILL CLIENT");
        return AdminResult.command("KILL");
      }
    }
    throw new PgWireException(Sqlstate.UNDEFINED_OBJECT, "no client " + id + " on this node", null,
        "SHOW CLIENTS lists the clients and their ids", false);
  }

  private AdminResult pools() {
    AdminResult.Builder r = AdminResult.builder("SHOW", "pool", "mode", "max_size", "total", "active", "idle",
        "connecting", "waiting", "max_wait_ms", "waits", "avg_wait_ms", "acquire_timeouts", "connect_failures",
        "origin", "last_error", "origin_host", "host_moves", "database_state");
    for (OriginPool p : sorted(node.pools())) {
      OriginPool.PoolStats s = p.stats();
      r.row(s.name(), node.config().poolMode().label(), s.maxSize(), s.total(), s.active(), s.idle(),
          s.connecting(), s.waiting(), ms(s.oldestWaitNanos() / 1e9), s.waits(), ms(s.meanWaitMillis() / 1e3),
          s.acquireTimeouts(), s.connectFailures(), s.originDown() ? "down" : "up", s.lastError(), s.originHost(),
          s.hostMoves(), databaseState(p.target().database()));
    }
    return r.build();
  }

  /** What the admin console did to a database: disabled (DISABLE), paused (PAUSE), both, or active. */
  private String databaseState(String database) {
    boolean disabled = node.disabled(database);
    boolean paused = node.paused(database);
    return disabled && paused ? "disabled, paused" : disabled ? "disabled" : paused ? "paused" : "active";
  }

  private static List<OriginPool> sorted(java.util.Collection<OriginPool> pools) {
    List<OriginPool> list = new ArrayList<>(pools);
    list.sort(java.util.Comparator.comparing(OriginPool::name));
    return list;
  }

  private AdminResult clients() {
    AdminResult.Builder r = AdminResult.builder("SHOW", "id", "user", "database", "address", "state",
        "state_seconds", "connected_at");
    List<ClientSession> sessions = new ArrayList<>(node.sessions());
    sessions.sort(java.util.Comparator.comparingInt(ClientSession::id));
    for (ClientSession s : sessions) {
      r.row(s.id(), s.userName(), s.database(), String.valueOf(s.remoteAddress()), s.state(),
          String.format(Locale.ROOT, "%.1f", s.stateSeconds()), Instant.ofEpochMilli(s.connectedAtMillis()).toString());
    }
    return r.build();
  }

  private AdminResult servers() {
    AdminResult.Builder r = AdminResult.builder("SHOW", "id", "pool", "backend_pid", "state", "client_id",
        "age_seconds", "prepared_statements", "close_when_free", "origin_host");
    for (OriginPool p : sorted(node.pools())) {
      List<OriginConnection> conns = p.connections();
      conns.sort(java.util.Comparator.comparingLong(OriginConnection::id));
      for (OriginConnection c : conns) {
        Object holder = c.holder();
        r.row(c.id(), p.name(), c.backendKey().processId(), c.state(),
            holder instanceof ClientSession s ? Integer.toString(s.id()) : null, c.ageSeconds(),
            c.serverState().preparedCount(), p.closeWhenFree(c) ? "yes" : "no", c.host().address());
      }
    }
    return r.build();
  }

  private AdminResult stats() {
    MetricsSnapshot snap = node.metrics().snapshot();
    AdminResult.Builder r = AdminResult.builder("SHOW", "database", "status", "queries", "avg_ms", "p50_ms",
        "p95_ms", "p99_ms");
    for (MetricsSnapshot.QueryStats q : snap.queries()) {
      if (q.count() == 0) {
        continue;
      }
      Latency l = q.latency();
      r.row(q.database(), q.status().label(), q.count(), ms(l.meanSeconds()), ms(l.quantileSeconds(0.5)),
          ms(l.quantileSeconds(0.95)), ms(l.quantileSeconds(0.99)));
    }
    return r.build();
  }

  private static String ms(double seconds) {
    return String.format(Locale.ROOT, "%.3f", seconds * 1000);
  }

  private AdminResult cache() {
    CacheStats s = node.cacheService().cache().stats();
    long hits = s.count(CacheStatus.HIT) + s.count(CacheStatus.STALE);
    long lookups = hits + s.count(CacheStatus.MISS);
    AdminResult.Builder r = AdminResult.builder("SHOW", "name", "value");
    r.row("enabled", node.cacheService().enabled() ? "on" : "off");
    // off only for a node alone with the cache off: then nobody caches what passes through it
    r.row("publishes_invalidations", node.cacheService().publishesWrites() ? "on" : "off");
    r.row("entries", s.entries());
    r.row("bytes", s.bytes());
    r.row("max_bytes", node.cacheService().policy().maxBytes());
    r.row("hit_ratio", lookups == 0 ? "0.000" : String.format(Locale.ROOT, "%.3f", (double) hits / lookups));
    for (CacheStatus st : CacheStatus.values()) {
      r.row("queries_" + st.name().toLowerCase(Locale.ROOT), s.count(st));
    }
    r.row("fills_stored", s.fillsStored());
    r.row("fills_dropped", s.fillsDropped());
    r.row("invalidations", s.invalidations());
    r.row("evictions", s.evictions());
    for (TableUsage t : node.cacheService().cache().topTables(10)) {
      r.row("top_table " + t.database() + "." + t.table(), t.entries());
    }
    return r.build();
  }

  private AdminResult config() {
    AdminResult.Builder r = AdminResult.builder("SHOW", "key", "value", "source", "reload");
    for (ConfigRow row : node.configRows()) {
      r.row(row.key(), row.value(), row.source().label(), row.reload());
    }
    return r.build();
  }

  private AdminResult reload() {
    ConfigDiff diff;
    try {
      diff = node.reloadFromSource();
    } catch (ConfigException e) {
      throw new PgWireException(Sqlstate.INVALID_PARAMETER_VALUE,
          "the configuration was not reloaded: " + String.join("; ", e.problems()), null,
          "fix the file or environment and RELOAD again; the running configuration stays", false);
    }
    AdminResult.Builder r = AdminResult.builder("RELOAD", "key", "old_value", "new_value", "applied");
    for (ConfigDiff.Change ch : diff.changes()) {
      r.row(ch.key(), ch.oldValue(), ch.newValue(), ch.live() ? "now" : "after restart");
    }
    return r.build();
  }

  private static AdminResult help() {
    Map<String, String> commands = new TreeMap<>();
    commands.put("SHOW POOLS", "origin connection pools");
    commands.put("SHOW CLIENTS", "client connections");
    commands.put("SHOW SERVERS", "origin connections");
    commands.put("SHOW STATS", "queries and latency by database and cache status");
    commands.put("SHOW CACHE", "cache size, hit ratio, top tables");
    commands.put("SHOW CLUSTER", "region, members, connection budget share");
    commands.put("SHOW CHANGE FEED", "logical replication slot, lag, consumer");
    commands.put("SHOW CONFIG", "effective configuration (secrets masked)");
    commands.put("INVALIDATE TABLE name [IN DATABASE db]", "drop cached reads of a table");
    commands.put("INVALIDATE ALL [IN DATABASE db]", "drop every cached read");
    commands.put("RELOAD", "re-read the configuration");
    commands.put("PAUSE [db]", "hold new requests that need the origin; returns once no transaction runs");
    commands.put("RESUME [db]", "let held requests go on");
    commands.put("KILL CLIENT id", "end one client's connection (its open transaction is rolled back)");
    commands.put("KILL db", "end every client connection of a database and replace its origin connections");
    commands.put("DISABLE db", "refuse new client logins to a database (connected clients go on)");
    commands.put("ENABLE db", "accept client logins to a disabled database again");
    commands.put("RECONNECT [db]", "replace the origin connections: idle ones now, busy ones when free");
    commands.put("WAIT_CLOSE [db]", "return once the connections RECONNECT replaces have closed");
    AdminResult.Builder r = AdminResult.builder("SHOW", "command", "what it does");
    commands.forEach((k, v) -> r.row(k, v));
    return r.build();
  }
}
