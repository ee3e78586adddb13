package dev.outpost.proxy.catalog;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.outpost.cache.sql.FunctionRef;
import dev.outpost.cache.sql.SqlLexer;
import dev.outpost.cache.sql.StatementClassifier;
import dev.outpost.cache.sql.TableRef;
import dev.outpost.cache.sql.Token;
import dev.outpost.changefeed.ConnectionInfo;
import dev.outpost.proxy.config.OriginUrl;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks facts up in the origin's catalog, asynchronously and memoized per database for a bounded
 * time (catalog changes made through Outpost clear a database's facts at once through {@link
 * #forget}; changes made around Outpost are picked up when the facts expire).
 *
 * <p>Names are resolved conservatively: an unqualified name matches that name in every schema,
 * and the least safe answer wins (a function is as volatile as its most volatile overload; a
 * relation name is uncacheable if any relation of that name is). Over-caution costs hit rate;
 * a wrong answer would cost correctness.
 *
 * <p>Lookups run on a small dedicated thread pool, never on an event loop. A lookup never waits
 * long for a lock: describing a view or a row-security policy makes Postgres lock the relations
 * involved, so a migration holding an ACCESS EXCLUSIVE lock (ALTER TABLE, LOCK TABLE, TRUNCATE)
 * would otherwise hold a catalog thread until it commits, and two such lookups would stop every
 * other lookup of the node. The catalog's connections run with {@code lock_timeout} {@value
 * #LOCK_TIMEOUT_MS} ms (and a {@code statement_timeout} backstop); a lookup that fails for any
 * reason counts as unknown facts (nothing that needs them is cached) and is not tried again for
 * {@link #RETRY_AFTER_FAILURE}. Thread-safe.
 */
public final class CatalogInspector implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CatalogInspector.class);
  private static final Set<String> SYSTEM_SCHEMAS = Set.of("pg_catalog", "information_schema", "pg_toast");
  private static final Set<String> TIME_VALUE_FUNCTIONS = Set.of("current_date", "current_time",
      "current_timestamp", "localtime", "localtimestamp");
  private static final int MAX_VIEW_DEPTH = 32;
  /** How long a catalog query waits for a lock another session holds before it gives up. */
  static final int LOCK_TIMEOUT_MS = 500;
  /** A catalog query that runs longer than this is cancelled (below the 30 s socket timeout). */
  static final int STATEMENT_TIMEOUT_MS = 20_000;
  /** A failed lookup stands (as unknown facts) this long before the next use asks again. */
  static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(2);
  private static final long FAILURE_LOG_INTERVAL_NANOS = Duration.ofSeconds(60).toNanos();

  private final OriginUrl origin;
  private final long ttlNanos;
  private final LongSupplier clock;
  private final ExecutorService executor;
  private final Map<Login, HikariDataSource> dataSources = new ConcurrentHashMap<>();
  private final Map<Object, Memo<?>> memo = new ConcurrentHashMap<>();
  /** The implicit-code facts last logged per database: the log says it once, not every TTL. */
  private final Map<String, ImplicitCodeFacts> reportedImplicitCode = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();
  /** Moves on whenever any memoized fact may have changed (see {@link #changes}). */
  private final AtomicLong changes = new AtomicLong();
  /** Set by {@link #close}: lookups cut short by it are not worth a warning. */
  private volatile boolean closed;
  private final AtomicLong lockTimeouts = new AtomicLong();
  private final AtomicLong nextLockTimeoutLog = new AtomicLong(System.nanoTime());

  /** A lookup and, while it runs, the expired facts it replaces (null when there are none). */
  private record Memo<T>(long createdNanos, CompletableFuture<T> value, CompletableFuture<T> previous) {
    CompletableFuture<T> current() {
      return value.isDone() || previous == null ? value : previous;
    }
  }

  private record FunctionKey(String database, String schema, String name) {}

  private record RelationKey(String database, String schema, String name) {}

  private record OperatorsKey(String database) {}

  private record ImplicitCodeKey(String database) {}

  /** A login for catalog queries of one database. */
  public record Login(String user, String password, String database) {}

  public CatalogInspector(OriginUrl origin, Duration ttl) {
    this(origin, ttl, System::nanoTime);
  }

  CatalogInspector(OriginUrl origin, Duration ttl, LongSupplier clock) {
    this.origin = origin;
    this.ttlNanos = ttl.toNanos();
    this.clock = clock;
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "outpost-catalog");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Facts about every function named {@code name}, or a future for them. Names are as the lexer
   * resolved them (unquoted lower-cased, quoted verbatim) and are matched exactly: {@code "Bump"}
   * and {@code bump} are two functions.
   */
  public CompletableFuture<FunctionFacts> function(Login login, String schema, String name) {
    FunctionKey key = new FunctionKey(login.database(), schema, name);
    return memoized(key, () -> lookupFunction(login, key.schema(), key.name()));
  }

  /**
   * Facts about what a relation name involves when read or written. The name is matched exactly,
   * as {@link TableRef} holds it: {@code "Foo"} and {@code foo} are two relations.
   */
  public CompletableFuture<RelationFacts> relation(Login login, TableRef ref) {
    RelationKey key = new RelationKey(login.database(), ref.schema(), ref.name());
    return memoized(key, () -> lookupRelation(login, key.schema(), key.name()));
  }

  /**
   * The facts about {@code ref} if they are known now (possibly past their TTL), else null; unlike
   * {@link #relation}, never starts a lookup.
   */
  @SuppressWarnings("unchecked")
  public RelationFacts relationIfKnown(Login login, TableRef ref) {
    Memo<RelationFacts> m = (Memo<RelationFacts>) memo.get(new RelationKey(login.database(), ref.schema(), ref.name()));
    if (m == null) {
      return null;
    }
    CompletableFuture<RelationFacts> f = m.current();
    return f.isDone() && !f.isCompletedExceptionally() ? f.join() : null;
  }

  /** Facts about the user-defined operators of the login's database that are not immutable. */
  public CompletableFuture<OperatorFacts> operators(Login login) {
    return memoized(new OperatorsKey(login.database()), () -> lookupOperators(login));
  }

  /** Facts about the user code of the login's database that statements run without naming it. */
  public CompletableFuture<ImplicitCodeFacts> implicitCode(Login login) {
    return memoized(new ImplicitCodeKey(login.database()), () -> lookupImplicitCode(login));
  }

  /**
   * Forgets everything known about {@code database} (a schema change), then moves the {@link
   * #generation} on: whoever read the generation before reading facts can tell that they may be
   * outdated.
   */
  public void forget(String database) {
    memo.keySet().removeIf(k -> (k instanceof FunctionKey f && f.database().equals(database))
        || (k instanceof RelationKey r && r.database().equals(database))
        || (k instanceof OperatorsKey o && o.database().equals(database))
        || (k instanceof ImplicitCodeKey i && i.database().equals(database)));
    generation.incrementAndGet();
    changes.incrementAndGet();
  }

  /** Counts {@link #forget} calls (any database). */
  public long generation() {
    return generation.get();
  }

  /**
   * Moves on whenever a memoized fact may have changed: a {@link #forget}, a lookup started (its
   * facts answer once it ends) or ended. An answer derived from facts stays what they would say
   * while this is unchanged — until a TTL runs out, which only a later lookup notices.
   */
  public long changes() {
    return changes.get();
  }

  /**
   * The memoized lookup for {@code key}. Facts older than the TTL are looked up again in the
   * background while the expired ones are still answered (a few milliseconds more of the staleness
   * the TTL allows anyway), so that reads do not go uncached, nor shared backends get reset, every
   * time a TTL runs out. After {@link #forget} there is nothing to answer meanwhile: the schema
   * changed, and the next caller waits for the new facts like the first one did.
   */
  @SuppressWarnings("unchecked")
  private <T> CompletableFuture<T> memoized(Object key, SqlSupplier<T> lookup) {
    long now = clock.getAsLong();
    Memo<T> m = (Memo<T>) memo.get(key);
    if (m != null && now - m.createdNanos() < (m.value().isCompletedExceptionally()
        ? RETRY_AFTER_FAILURE.toNanos() : ttlNanos)) {
      return m.current();
    }
    CompletableFuture<T> previous = m != null && m.value().isDone() && !m.value().isCompletedExceptionally()
        ? m.value() : null;
    CompletableFuture<T> f = new CompletableFuture<>();
    Memo<T> fresh = new Memo<>(now, f, previous);
    Memo<T> raced = (Memo<T>) memo.compute(key, (k, old) ->
        old != null && old != m && now - old.createdNanos() < ttlNanos ? old : fresh);
    if (raced != fresh) {
      return raced.current();
    }
    changes.incrementAndGet();
    try {
      executor.execute(() -> {
        try {
          f.complete(lookup.get());
          changes.incrementAndGet();
        } catch (SQLException | RuntimeException e) {
          logFailure(key, e);
          f.completeExceptionally(e);
          if (closed) {
            memo.remove(key, fresh);
          } else {
            // stands as unknown for a while: a lock held by a long migration is not waited for again at
            // every use of the name
            memo.replace(key, fresh, new Memo<>(clock.getAsLong(), f, null));
          }
          changes.incrementAndGet();
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // closed: the caller treats the facts as unknown (nothing is cached), never an exception
      memo.remove(key, fresh);
      f.completeExceptionally(closing);
      return f;
    }
    return fresh.current();
  }

  private void logFailure(Object key, Exception e) {
    if (closed) {
      log.debug("catalog lookup {} stopped by shutdown: {}", key, e.getMessage());
    } else if (e instanceof SQLException sql && "55P03".equals(sql.getSQLState())) {
      // a migration may hold its lock for minutes; say so once a minute, not at every lookup
      long count = lockTimeouts.incrementAndGet();
      long now = System.nanoTime();
      long next = nextLockTimeoutLog.get();
      if (now - next >= 0 && nextLockTimeoutLog.compareAndSet(next, now + FAILURE_LOG_INTERVAL_NANOS)) {
        log.info("catalog lookup {} gave up waiting {} ms for a lock another session holds (ALTER TABLE, LOCK TABLE,"
            + " TRUNCATE?); reads that need these facts are not cached until a retry succeeds ({} such lookups"
            + " so far; this is said once a minute)", key, LOCK_TIMEOUT_MS, count);
      } else {
        log.debug("catalog lookup {} gave up waiting for a lock: {}", key, e.getMessage());
      }
    } else {
      log.warn("catalog lookup {} failed: {}", key, e.getMessage());
    }
  }

  @FunctionalInterface
  private interface SqlSupplier<T> {
    T get() throws SQLException;
  }

  private FunctionFacts lookupFunction(Login login, String schema, String name) throws SQLException {
    try (Connection c = connection(login); PreparedStatement ps = c.prepareStatement(
        "SELECT " + RUNS_AS + ", n.nspname, " + MAY_READ_TABLES + " FROM pg_catalog.pg_proc p"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
            + " WHERE p.proname = ? AND (?::text IS NULL OR n.nspname = ?)")) {
      ps.setString(1, name);
      ps.setString(2, schema);
      ps.setString(3, schema);
      boolean found = false;
      boolean userVolatile = false;
      boolean readsTables = false;
      Volatility v = Volatility.IMMUTABLE;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found = true;
          readsTables |= rs.getBoolean(3);
          Volatility one = Volatility.of(rs.getString(1));
          v = v.max(one);
          userVolatile |= one == Volatility.VOLATILE && !"pg_catalog".equals(rs.getString(2));
        }
      }
      return found ? new FunctionFacts(true, v, userVolatile, readsTables) : FunctionFacts.UNKNOWN;
    }
  }

  private OperatorFacts lookupOperators(Login login) throws SQLException {
    try (Connection c = connection(login); PreparedStatement ps = c.prepareStatement(
        "SELECT o.oprname, p.provolatile, " + MAY_READ_TABLES + " FROM pg_catalog.pg_operator o"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace"
            + " JOIN pg_catalog.pg_proc p ON p.oid = o.oprcode"
            + " WHERE n.nspname <> 'pg_catalog' AND (p.provolatile <> 'i' OR " + MAY_READ_TABLES + ")")) {
      Map<String, Volatility> found = new HashMap<>();
      Set<String> reading = new HashSet<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Volatility v = Volatility.of(rs.getString(2));
          if (v != Volatility.IMMUTABLE) {
            found.merge(rs.getString(1), v, Volatility::max);
          }
          if (rs.getBoolean(3)) {
            reading.add(rs.getString(1));
          }
        }
      }
      return found.isEmpty() && reading.isEmpty() ? OperatorFacts.NONE : new OperatorFacts(found, reading);
    }
  }

  /** Objects created after initdb (FirstNormalObjectId): user-defined, or an extension's. */
  private static final long FIRST_USER_OID = 16384;

  private ImplicitCodeFacts lookupImplicitCode(Login login) throws SQLException {
    Volatility[] everywhere = {Volatility.IMMUTABLE};
    Map<String, Volatility> named = new HashMap<>();
    Map<String, List<String>> domainChecks = new HashMap<>();
    try (Connection c = connection(login)) {
      new CatalogRound()
          // casts with a function; casts by I/O conversion run the types' functions, listed below
          .add("SELECT k.castcontext::text, t.typname, p.provolatile::text FROM pg_catalog.pg_cast k"
              + " JOIN pg_catalog.pg_proc p ON p.oid = k.castfunc JOIN pg_catalog.pg_type t ON t.oid = k.casttarget"
              + " WHERE k.oid >= " + FIRST_USER_OID + " AND p.provolatile <> 'i'", rs -> {
                while (rs.next()) {
                  Volatility v = Volatility.of(rs.getString(3));
                  if ("i".equals(rs.getString(1))) {
                    everywhere[0] = everywhere[0].max(v);
                  } else {
                    named.merge(rs.getString(2), v, Volatility::max);
                  }
                }
              })
          .add("SELECT p.provolatile::text FROM pg_catalog.pg_type t JOIN pg_catalog.pg_proc p"
              + " ON p.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin, t.typmodout)"
              + " WHERE t.oid >= " + FIRST_USER_OID + " AND p.oid >= " + FIRST_USER_OID + " AND p.provolatile <> 'i'",
              rs -> everywhere[0] = everywhere[0].max(volatilities(rs)))
          // domain checks: user functions and operators through pg_depend, built-ins (random(),
          // CURRENT_DATE, which pg_depend does not record) from the expression's text
          .add("SELECT t.typname, " + RUNS_AS + " FROM pg_catalog.pg_constraint k"
              + " JOIN pg_catalog.pg_type t ON t.oid = k.contypid"
              + " JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_constraint'::regclass AND d.objid = k.oid"
              + DEPENDED_ON_FUNCTION
              + " WHERE k.contypid <> 0", rs -> {
                while (rs.next()) {
                  Volatility v = Volatility.of(rs.getString(2));
                  if (v != Volatility.IMMUTABLE) {
                    named.merge(rs.getString(1), v, Volatility::max);
                  }
                }
              })
          .add("SELECT t.typname, 'SELECT ' || pg_catalog.pg_get_expr(k.conbin, 0) FROM pg_catalog.pg_constraint k"
              + " JOIN pg_catalog.pg_type t ON t.oid = k.contypid WHERE k.contypid <> 0 AND k.contype = 'c'", rs -> {
                while (rs.next()) {
                  domainChecks.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                      .add(Objects.toString(rs.getString(2), ""));
                }
              })
          .run(c);
      for (Map.Entry<String, List<String>> check : domainChecks.entrySet()) {
        for (String text : check.getValue()) {
          Volatility v = textVolatility(c, text);
          if (v != Volatility.IMMUTABLE) {
            named.merge(check.getKey(), v, Volatility::max);
          }
        }
      }
    }
    ImplicitCodeFacts facts = everywhere[0] == Volatility.IMMUTABLE && named.isEmpty() ? ImplicitCodeFacts.NONE
        : new ImplicitCodeFacts(everywhere[0], named);
    ImplicitCodeFacts before = reportedImplicitCode.put(login.database(), facts);
    if (facts != ImplicitCodeFacts.NONE && !facts.equals(before)) {
      log.info("database \"{}\" has user-defined casts, types or domains that run non-immutable functions"
          + " (in every statement: {}; when a read names the type: {}); reads that may run them are cached only"
          + " as a call of such a function would be", login.database(),
          everywhere[0].name().toLowerCase(Locale.ROOT), named);
    }
    return facts;
  }

  private record Rel(long oid, String name, String kind, String persistence, String schema, boolean rowSecurity) {}

  private RelationFacts lookupRelation(Login login, String schema, String name) throws SQLException {
    try (Connection c = connection(login)) {
      List<Rel> matches = relations(c, schema, name);
      if (matches.isEmpty()) {
        return new RelationFacts(Set.of(name), "relation \"" + name + "\" not found in the catalog",
            Volatility.VOLATILE, true, Set.of(name), true, false, false);
      }
      Set<String> reads = new LinkedHashSet<>();
      Set<String> writes = new LinkedHashSet<>();
      String uncacheable = null;
      Volatility volatility = Volatility.IMMUTABLE;
      Volatility userVolatility = Volatility.IMMUTABLE; // of views and policies outside the system schemas
      boolean writeAll = false;
      boolean readsUnknown = false;
      Set<Long> visited = new HashSet<>();
      ArrayDeque<Rel> queue = new ArrayDeque<>(matches);
      int steps = 0;
      while (!queue.isEmpty()) {
        Rel r = queue.poll();
        if (!visited.add(r.oid())) {
          continue;
        }
        if (++steps > MAX_VIEW_DEPTH * 16) {
          uncacheable = "relation \"" + name + "\" has too deep a dependency tree";
          break;
        }
        reads.add(r.name());
        writes.add(r.name());
        if (SYSTEM_SCHEMAS.contains(r.schema()) || r.schema().startsWith("pg_temp") || r.schema().startsWith("pg_toast")) {
          uncacheable = first(uncacheable, "\"" + r.schema() + "." + r.name() + "\" is a system or temporary relation");
        }
        if ("t".equals(r.persistence())) {
          uncacheable = first(uncacheable, "\"" + r.name() + "\" is a temporary table");
        }
        switch (r.kind()) {
          case "f" -> uncacheable = first(uncacheable, "\"" + r.name() + "\" is a foreign table");
          case "S" -> uncacheable = first(uncacheable, "\"" + r.name() + "\" is a sequence");
          default -> { }
        }
        Described d = describe(c, r);
        Volatility own = d.functions; // of this relation's view definition and policies
        for (String text : d.expressions) {
          own = own.max(textVolatility(c, text));
        }
        readsUnknown |= d.readsUnknown;
        queue.addAll(d.related);
        volatility = volatility.max(own);
        if (!SYSTEM_SCHEMAS.contains(r.schema())) {
          userVolatility = userVolatility.max(own);
        }
        queue.addAll(d.descendants);
        writeAll |= d.writeAll;
        for (Rel referencing : d.cascading) {
          writes.add(referencing.name());
          queue.add(referencing);
        }
      }
      return new RelationFacts(reads, uncacheable, volatility, writeAll, writes, readsUnknown,
          userVolatility == Volatility.VOLATILE, writeAll);
    }
  }

  private static String first(String existing, String reason) {
    return existing != null ? existing : reason;
  }

  private static final String REL_COLUMNS = "c.oid, c.relname, c.relkind::text, c.relpersistence::text, n.nspname,"
      + " c.relrowsecurity";

  private static List<Rel> relations(Connection c, String schema, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + REL_COLUMNS + " FROM pg_catalog.pg_class c"
        + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = ?"
        + " AND (?::text IS NULL OR n.nspname = ?) AND c.relkind IN ('r', 'v', 'm', 'p', 'f', 'S')")) {
      ps.setString(1, name);
      ps.setString(2, schema);
      ps.setString(3, schema);
      try (ResultSet rs = ps.executeQuery()) {
        return rels(rs);
      }
    }
  }

  /** What one round trip tells about one relation ({@link #describe}). */
  private static final class Described {
    /** Of the functions the view's rule and the table's row-security policies call (pg_depend). */
    Volatility functions = Volatility.IMMUTABLE;
    /** Whether one of those functions may read tables the statement does not name. */
    boolean readsUnknown;
    /** The view's definition and the policies' expressions, as SELECT texts to lex for built-ins. */
    final List<String> expressions = new ArrayList<>();
    /** The relations the view's rule and the policies read. */
    final List<Rel> related = new ArrayList<>();
    /** Partitions and inheritance children, recursively. */
    final List<Rel> descendants = new ArrayList<>();
    /** Whether a write to it may run user code: triggers, rules, volatile defaults or checks. */
    boolean writeAll;
    /** Tables whose foreign keys to it cascade, set null or set default. */
    final List<Rel> cascading = new ArrayList<>();
  }

  /** Everything about {@code r} that needs its oid only, in one round trip ({@link CatalogRound}). */
  private static Described describe(Connection c, Rel r) throws SQLException {
    Described d = new Described();
    long oid = r.oid();
    CatalogRound round = new CatalogRound();
    if ("v".equals(r.kind())) {
      round.add("SELECT " + RUNS_AS + VIEW_FUNCTIONS, rs -> d.functions = d.functions.max(volatilities(rs)), oid)
          .add(mayReadTables(VIEW_FUNCTIONS), rs -> d.readsUnknown |= bool(rs), oid)
          .add("SELECT pg_catalog.pg_get_viewdef(?::oid)", rs -> {
            if (rs.next() && rs.getString(1) != null) {
              d.expressions.add(rs.getString(1));
            }
          }, oid)
          // relations the view's rewrite rule depends on
          .add("SELECT DISTINCT " + REL_COLUMNS + " FROM pg_catalog.pg_rewrite r"
              + " JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid"
              + " JOIN pg_catalog.pg_class c ON c.oid = d.refobjid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
              + " WHERE r.ev_class = ?::oid AND d.refclassid = 'pg_catalog.pg_class'::regclass"
              + " AND d.refobjid <> r.ev_class", rs -> d.related.addAll(rels(rs)), oid);
    }
    if (r.rowSecurity()) {
      round.add("SELECT " + RUNS_AS + POLICY_FUNCTIONS, rs -> d.functions = d.functions.max(volatilities(rs)), oid)
          .add("SELECT coalesce(pg_catalog.pg_get_expr(polqual, polrelid), '') || ' '"
              + " || coalesce(pg_catalog.pg_get_expr(polwithcheck, polrelid), '') FROM pg_catalog.pg_policy"
              + " WHERE polrelid = ?::oid", rs -> {
                while (rs.next()) {
                  d.expressions.add("SELECT " + rs.getString(1));
                }
              }, oid)
          .add(mayReadTables(POLICY_FUNCTIONS), rs -> d.readsUnknown |= bool(rs), oid)
          // relations the row-security policies depend on
          .add("SELECT DISTINCT " + REL_COLUMNS + " FROM pg_catalog.pg_policy p"
              + " JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_policy'::regclass AND d.objid = p.oid"
              + " JOIN pg_catalog.pg_class c ON c.oid = d.refobjid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
              + " WHERE p.polrelid = ?::oid AND d.refclassid = 'pg_catalog.pg_class'::regclass"
              + " AND d.refobjid <> p.polrelid", rs -> d.related.addAll(rels(rs)), oid);
    }
    round.add("WITH RECURSIVE d(oid) AS (SELECT inhrelid FROM pg_catalog.pg_inherits WHERE inhparent = ?::oid"
            + " UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN d ON i.inhparent = d.oid)"
            + " SELECT " + REL_COLUMNS + " FROM d JOIN pg_catalog.pg_class c ON c.oid = d.oid"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace", rs -> d.descendants.addAll(rels(rs)), oid)
        .add("SELECT (EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = ?::oid AND NOT tgisinternal)"
            + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite WHERE ev_class = ?::oid AND ev_type <> '1'))"
            + " OR " + VOLATILE_USER_EXPRESSIONS, rs -> d.writeAll |= bool(rs), oid, oid, oid, oid, oid, oid)
        .add("SELECT DISTINCT " + REL_COLUMNS + " FROM pg_catalog.pg_constraint k"
            + " JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE k.contype = 'f' AND k.confrelid = ?::oid"
            + " AND (k.confdeltype IN ('c', 'n', 'd') OR k.confupdtype IN ('c', 'n', 'd'))",
            rs -> d.cascading.addAll(rels(rs)), oid);
    round.run(c);
    return d;
  }

  /** A LIKE pattern for an expression tree (pg_node_tree as text) that calls set_config(). */
  private static final String CALLS_SET_CONFIG =
      "'%:funcid ' || 'pg_catalog.set_config(text,text,boolean)'::regprocedure::oid || ' %'";

  /**
   * Whether a function {@code p} is user code that may read tables a statement's text does not
   * name: defined outside pg_catalog, in SQL, PL/pgSQL or another procedural language (a function
   * in C is taken to be an extension's and to read its arguments only), or an aggregate (its
   * support functions may be anything). Such a function's result can change with a write to any
   * table, STABLE ones legitimately, "IMMUTABLE" ones by mislabelling.
   */
  static final String MAY_READ_TABLES = "(p.pronamespace <> 'pg_catalog'::regnamespace AND (p.prokind = 'a'"
      + " OR p.prolang NOT IN (SELECT l.oid FROM pg_catalog.pg_language l WHERE l.lanname IN ('c', 'internal'))))";

  /**
   * The volatility a function {@code p} runs with. CREATE AGGREGATE records every aggregate as
   * IMMUTABLE whatever its state and final functions are (only pg_catalog's aggregates are declared
   * by hand), so a user-defined aggregate counts as the least safe of its support functions: an
   * aggregate whose state function calls nextval() is volatile. The codes sort i &lt; s &lt; v.
   */
  static final String RUNS_AS = "CASE WHEN p.prokind = 'a' AND p.pronamespace <> 'pg_catalog'::regnamespace"
      + " THEN coalesce((SELECT max(s.provolatile::text) FROM pg_catalog.pg_aggregate a JOIN pg_catalog.pg_proc s"
      + " ON s.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,"
      + " a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn) WHERE a.aggfnoid = p.oid), 'v')"
      + " ELSE p.provolatile::text END";

  /**
   * Joins the functions a pg_depend row {@code d} depends on: a function itself, or the function
   * behind an operator (pg_depend records the operator of an expression such as {@code a ##> b},
   * not its function). Built-in (pinned) objects have no rows.
   */
  private static final String DEPENDED_ON_FUNCTION =
      " LEFT JOIN pg_catalog.pg_operator o ON d.refclassid = 'pg_catalog.pg_operator'::regclass AND o.oid = d.refobjid"
          + " JOIN pg_catalog.pg_proc p ON (d.refclassid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.refobjid)"
          + " OR p.oid = o.oprcode";

  /**
   * Whether a column default, generated column or CHECK constraint of the table calls a
   * user-defined volatile function, directly or through an operator, or set_config(): a write to
   * the table runs it, and it may write any other table, as a trigger may, or change the session's
   * settings. A boolean SQL expression of four parameters, each the table's oid.
   */
  private static final String VOLATILE_USER_EXPRESSIONS = "EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
      + " LEFT JOIN pg_catalog.pg_attrdef a ON d.classid = 'pg_catalog.pg_attrdef'::regclass AND a.oid = d.objid"
      + " LEFT JOIN pg_catalog.pg_constraint k ON d.classid = 'pg_catalog.pg_constraint'::regclass"
      + " AND k.oid = d.objid"
      + DEPENDED_ON_FUNCTION
      + " WHERE (a.adrelid = ?::oid OR k.conrelid = ?::oid)"
      + " AND p.pronamespace <> 'pg_catalog'::regnamespace AND " + RUNS_AS + " = 'v')"
      // pg_depend lists no dependency on pg_catalog's own functions: a call of set_config() is
      // found in the stored expression trees (read as text: deparsing them would lock the table)
      + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_attrdef a WHERE a.adrelid = ?::oid"
      + " AND a.adbin::text LIKE " + CALLS_SET_CONFIG + ")"
      + " OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conrelid = ?::oid"
      + " AND k.contype = 'c' AND k.conbin::text LIKE " + CALLS_SET_CONFIG + ")";

  /** The functions a view's rule uses, joined as {@code p} (a FROM … WHERE of one parameter, the view's oid). */
  private static final String VIEW_FUNCTIONS = " FROM pg_catalog.pg_rewrite r"
      + " JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid"
      + DEPENDED_ON_FUNCTION
      + " WHERE r.ev_class = ?::oid";

  /** The functions a table's policies use, joined as {@code p} (a FROM … WHERE of one parameter, its oid). */
  private static final String POLICY_FUNCTIONS = " FROM pg_catalog.pg_policy pol"
      + " JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_policy'::regclass AND d.objid = pol.oid"
      + DEPENDED_ON_FUNCTION
      + " WHERE pol.polrelid = ?::oid";

  /** Whether one of {@code functions} (a FROM … WHERE from the two above) may read tables. */
  private static String mayReadTables(String functions) {
    return "SELECT EXISTS (SELECT 1" + functions + " AND " + MAY_READ_TABLES + ")";
  }

  private static Volatility volatilities(ResultSet rs) throws SQLException {
    Volatility v = Volatility.IMMUTABLE;
    while (rs.next()) {
      v = v.max(Volatility.of(rs.getString(1)));
    }
    return v;
  }

  private static boolean bool(ResultSet rs) throws SQLException {
    return rs.next() && rs.getBoolean(1);
  }

  /**
   * The volatility of the functions an expression or view definition calls. pg_depend does not
   * record dependencies on built-in (pinned) functions such as random(), and SQL value functions
   * such as CURRENT_DATE are no catalog functions at all, so the text is lexed as well.
   */
  private static Volatility textVolatility(Connection c, String sql) throws SQLException {
    if (sql.isBlank()) {
      return Volatility.IMMUTABLE;
    }
    if (mentionsTimeValueFunction(sql)) {
      return Volatility.VOLATILE;
    }
    Volatility v = Volatility.IMMUTABLE;
    for (FunctionRef f : StatementClassifier.classify(sql).functionCalls()) {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT " + RUNS_AS + " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
              + " WHERE p.proname = ? AND (?::text IS NULL OR n.nspname = ?)")) {
        ps.setString(1, f.name());
        ps.setString(2, f.schema());
        ps.setString(3, f.schema());
        boolean found = false;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            found = true;
            v = v.max(Volatility.of(rs.getString(1)));
          }
        }
        if (!found) {
          return Volatility.VOLATILE;
        }
      }
    }
    return v;
  }

  static boolean mentionsTimeValueFunction(String sql) {
    for (Token t : SqlLexer.tokenize(sql)) {
      if (t.isIdentifier() && !t.quoted() && TIME_VALUE_FUNCTIONS.contains(t.value().toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  private static List<Rel> rels(ResultSet rs) throws SQLException {
    List<Rel> out = new ArrayList<>();
    while (rs.next()) {
      out.add(new Rel(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
          rs.getBoolean(6)));
    }
    return out;
  }

  private Connection connection(Login login) throws SQLException {
    if (closed) {
      throw new SQLException("the node is shutting down");
    }
    HikariDataSource ds = dataSources.computeIfAbsent(new Login(login.user(), null, login.database()),
        k -> dataSource(login));
    if (!Objects.equals(ds.getPassword(), login.password())) {
      // the role's password was rotated (RELOAD, or a passthrough login with a new one): new
      // connections log in with it; the open ones stay, as the origin lets them
      ds.setPassword(login.password());
    }
    if (closed) {
      ds.close(); // created while close() ran: it must not outlive the node
      throw new SQLException("the node is shutting down");
    }
    return ds.getConnection();
  }

  private HikariDataSource dataSource(Login login) {
    HikariConfig hc = new HikariConfig();
    StringBuilder url = new StringBuilder("jdbc:postgresql://").append(origin.address()).append('/')
        .append(URLEncoder.encode(login.database(), StandardCharsets.UTF_8))
        // a lookup on a connection the network dropped silently fails after 30 s and is asked
        // again later, instead of holding the catalog thread for the kernel's ~15 minutes
        .append("?ApplicationName=outpost-catalog&assumeMinServerVersion=12&tcpKeepAlive=true&socketTimeout=30")
        .append("&sslmode=")
        .append(origin.sslMode().name().toLowerCase(Locale.ROOT).replace('_', '-'));
    if (origin.sslRootCert() != null) {
      url.append("&sslrootcert=").append(URLEncoder.encode(origin.sslRootCert(), StandardCharsets.UTF_8));
    }
    if (origin.sslNegotiation() == OriginUrl.SslNegotiation.DIRECT) {
      url.append("&sslNegotiation=direct");
    }
    url.append("&channelBinding=").append(origin.channelBinding().name().toLowerCase(Locale.ROOT));
    if (origin.targetSessionAttrs() != OriginUrl.TargetSessionAttrs.ANY) {
      url.append("&targetServerType=primary"); // pgjdbc's primary: transaction_read_only is off
    }
    if (origin.sslCert() != null) {
      url.append("&sslcert=").append(URLEncoder.encode(origin.sslCert(), StandardCharsets.UTF_8))
          .append("&sslkey=").append(URLEncoder.encode(origin.sslKey(), StandardCharsets.UTF_8))
          .append("&pemKeyAlgorithm=").append(ConnectionInfo.keyAlgorithm(origin.sslCert()));
    }
    hc.setJdbcUrl(url.toString());
    hc.setUsername(login.user());
    hc.setPassword(login.password());
    hc.setMaximumPoolSize(2);
    hc.setMinimumIdle(0);
    hc.setIdleTimeout(60_000);
    hc.setConnectionTimeout(10_000);
    hc.setReadOnly(true);
    // set per connection rather than as startup options, which a pooler in front of the origin may refuse
    hc.setConnectionInitSql("SELECT pg_catalog.set_config('lock_timeout', '" + LOCK_TIMEOUT_MS + "ms', false),"
        + " pg_catalog.set_config('statement_timeout', '" + STATEMENT_TIMEOUT_MS + "ms', false)");
    hc.setPoolName("outpost-catalog-" + login.database());
    return new HikariDataSource(hc);
  }

  /**
   * Replaces the catalog's connections to {@code database} (to every database when null), for the
   * admin console's RECONNECT: idle ones close now, one running a lookup when the lookup ends; the
   * next lookups open new ones. What the catalog has learned stays.
   */
  public void reconnect(String database) {
    dataSources.forEach((login, ds) -> {
      if (database == null || database.equals(login.database())) {
        var pool = ds.getHikariPoolMXBean();
        if (pool != null) {
          pool.softEvictConnections();
        }
      }
    });
  }

  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
    dataSources.values().forEach(HikariDataSource::close);
  }
}
