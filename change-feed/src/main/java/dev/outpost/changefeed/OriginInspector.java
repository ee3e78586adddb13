package dev.outpost.changefeed;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what the change feed needs to know about the origin, and turns it into problems an
 * operator can act on. Used by {@link ChangeFeed#check} before start and by every replication
 * session before it streams, so both give the same answers.
 *
 * <p>Requirements (Postgres 17): {@code wal_level = logical}; a role with the REPLICATION
 * attribute (or superuser); the publication present as FOR ALL TABLES publishing insert,
 * update, delete and truncate — or a superuser to create it, since Postgres requires superuser
 * for FOR ALL TABLES; the slot present for this database with plugin pgoutput and not lost — or
 * a free entry in {@code max_replication_slots}; and a free WAL sender ({@code max_wal_senders}).
 */
final class OriginInspector {

  private OriginInspector() {}

  record Publication(boolean allTables, boolean insert, boolean update, boolean delete, boolean truncate,
      boolean viaRoot) {}

  record Slot(String plugin, String type, String database, Integer activePid, String walStatus, Lsn confirmedFlush) {}

  /**
   * Tables a FOR ALL TABLES publication handles badly: {@code withoutIdentity} (first few names,
   * and how many) have no primary key or replica identity, so Postgres rejects UPDATE and DELETE
   * on them once the publication publishes those; {@code unlogged} tables are never published.
   */
  record TableRisks(List<String> withoutIdentity, int withoutIdentityCount, int unlogged) {
    static final TableRisks NONE = new TableRisks(List.of(), 0, 0);
  }

  /** What the origin showed. {@code publication} and {@code slot} are null when absent. */
  record Findings(String walLevel, String database, String role, boolean superuser, boolean replication,
      Publication publication, Slot slot, int slotsUsed, int slotsMax, int sendersUsed, int sendersMax,
      TableRisks risks, boolean ddlTrigger) {

    boolean logical() {
      return "logical".equals(walLevel);
    }
  }

  /** Reads the findings; {@code c} may be an ordinary or a {@code replication=database} connection. */
  static Findings inspect(Connection c, ChangeFeedOptions options) throws SQLException {
    String walLevel;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW wal_level")) {
      rs.next();
      walLevel = rs.getString(1);
    }
    String database;
    String role;
    boolean superuser;
    boolean replication;
    int slotsUsed;
    int slotsMax;
    int sendersUsed;
    int sendersMax;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT current_database(), current_user, r.rolsuper, r.rolreplication,"
            + " (SELECT count(*) FROM pg_replication_slots)::int, current_setting('max_replication_slots')::int,"
            + " (SELECT count(*) FROM pg_stat_replication)::int, current_setting('max_wal_senders')::int"
            + " FROM pg_roles r WHERE r.rolname = current_user")) {
      rs.next();
      database = rs.getString(1);
      role = rs.getString(2);
      superuser = rs.getBoolean(3);
      replication = rs.getBoolean(4);
      slotsUsed = rs.getInt(5);
      slotsMax = rs.getInt(6);
      sendersUsed = rs.getInt(7);
      sendersMax = rs.getInt(8);
    }
    return new Findings(walLevel, database, role, superuser, replication, publication(c, options.publication()),
        slot(c, options.slotName()), slotsUsed, slotsMax, sendersUsed, sendersMax, risks(c), DdlTrigger.installed(c));
  }

  private static final String USER_TABLES = " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
      + " WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
      + " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

  static TableRisks risks(Connection c) throws SQLException {
    List<String> names = new ArrayList<>();
    int count = 0;
    int unlogged;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT quote_ident(n.nspname) || '.' ||"
        + " quote_ident(c.relname), count(*) OVER ()" + USER_TABLES + " AND c.relpersistence = 'p'"
        + " AND (c.relreplident = 'n'"
        + " OR (c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary))"
        + " OR (c.relreplident = 'i' AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid"
        + " AND i.indisreplident))) ORDER BY 1 LIMIT 5")) {
      while (rs.next()) {
        names.add(rs.getString(1));
        count = rs.getInt(2);
      }
    }
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT count(*)::int" + USER_TABLES + " AND c.relpersistence = 'u'")) {
      rs.next();
      unlogged = rs.getInt(1);
    }
    return new TableRisks(names, count, unlogged);
  }

  static Publication publication(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT puballtables, pubinsert, pubupdate, pubdelete, pubtruncate,"
        + " pubviaroot FROM pg_publication WHERE pubname = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new Publication(rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3), rs.getBoolean(4),
            rs.getBoolean(5), rs.getBoolean(6)) : null;
      }
    }
  }

  static Slot slot(Connection c, String name) throws SQLException {
    // to_jsonb: wal_status exists from Postgres 13 on; older servers simply report null.
    try (PreparedStatement ps = c.prepareStatement("SELECT s.plugin, s.slot_type, s.database, s.active_pid,"
        + " to_jsonb(s) ->> 'wal_status', s.confirmed_flush_lsn::text FROM pg_replication_slots s WHERE s.slot_name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        int pid = rs.getInt(4);
        Integer activePid = rs.wasNull() ? null : pid;
        String flush = rs.getString(6);
        return new Slot(rs.getString(1), rs.getString(2), rs.getString(3), activePid, rs.getString(5),
            flush == null ? Lsn.INVALID : Lsn.parse(flush));
      }
    }
  }

  /**
   * Adds what prevents the feed from starting to {@code problems} and what an operator should
   * know to {@code warnings}. {@code asWalSender}: the findings were read on the feed's own
   * replication connection, which already holds a WAL sender.
   */
  static void judge(Findings f, ChangeFeedOptions o, boolean asWalSender, List<String> problems, List<String> warnings) {
    if (!f.logical()) {
      problems.add("the origin runs wal_level = " + f.walLevel() + "; the change feed needs wal_level = logical"
          + " (ALTER SYSTEM SET wal_level = logical, then restart Postgres)");
      return;
    }
    if (!f.replication() && !f.superuser()) {
      problems.add("role " + f.role() + " lacks the REPLICATION attribute that logical replication needs"
          + " (ALTER ROLE " + f.role() + " REPLICATION)");
    }
    judgePublication(f, o, problems, warnings);
    judgeTables(f, o, problems, warnings);
    judgeSlot(f, o, problems, warnings);
    if (!f.ddlTrigger()) {
      warnings.add("DDL run straight on the origin (migrations) is not in the replication stream: cached results"
          + " keep the old schema until they expire; `outpost change-feed install-ddl-trigger` (as a superuser)"
          + " records DDL in " + DdlTrigger.TABLE.sql() + " for the feed to see");
    }
    if (!asWalSender && f.sendersUsed() >= f.sendersMax()) {
      problems.add("all " + f.sendersMax() + " WAL senders of the origin are in use (max_wal_senders = "
          + f.sendersMax() + "); raise max_wal_senders (needs a restart) or stop an unused replication consumer");
    }
  }

  private static void judgePublication(Findings f, ChangeFeedOptions o, List<String> problems, List<String> warnings) {
    String create = "CREATE PUBLICATION " + o.publication() + " FOR ALL TABLES";
    Publication p = f.publication();
    if (p == null) {
      if (!o.createPublication()) {
        problems.add("publication " + o.publication() + " does not exist in database " + f.database()
            + " and creating it is switched off; have a superuser run: " + create);
      } else if (!f.superuser()) {
        problems.add("publication " + o.publication() + " does not exist in database " + f.database() + " and role "
            + f.role() + " may not create it: Postgres requires a superuser for a FOR ALL TABLES publication;"
            + " have a superuser run in database " + f.database() + ": " + create);
      } else {
        warnings.add("publication " + o.publication() + " will be created in database " + f.database() + " (" + create
            + ")");
      }
      return;
    }
    if (!p.allTables()) {
      problems.add("publication " + o.publication() + " in database " + f.database() + " does not cover all tables,"
          + " so writes to tables outside it would never invalidate cached reads; have a superuser run: DROP PUBLICATION "
          + o.publication() + "; " + create);
    }
    if (!(p.insert() && p.update() && p.delete() && p.truncate())) {
      problems.add("publication " + o.publication() + " does not publish every kind of write; run: ALTER PUBLICATION "
          + o.publication() + " SET (publish = 'insert, update, delete, truncate')");
    }
    if (p.viaRoot()) {
      warnings.add("publication " + o.publication() + " has publish_via_partition_root = true: writes to a partition"
          + " are reported as its root table only, so cached reads that name the partition itself age out by max-age");
    }
  }

  private static void judgeTables(Findings f, ChangeFeedOptions o, List<String> problems, List<String> warnings) {
    TableRisks r = f.risks();
    if (r.withoutIdentityCount() > 0) {
      String which = r.withoutIdentityCount() + " table(s) without a primary key or replica identity (e.g. "
          + String.join(", ", r.withoutIdentity()) + ")";
      String fix = "give each a primary key or run ALTER TABLE … REPLICA IDENTITY FULL";
      if (f.publication() == null) {
        problems.add("creating publication " + o.publication() + " FOR ALL TABLES would make Postgres reject UPDATE"
            + " and DELETE on " + which + "; " + fix + ", or create the publication yourself once that is acceptable");
      } else if (f.publication().allTables() && (f.publication().update() || f.publication().delete())) {
        warnings.add("UPDATE and DELETE fail on " + which + " because publication " + o.publication()
            + " publishes all tables; " + fix);
      }
    }
    if (r.unlogged() > 0) {
      warnings.add(r.unlogged() + " unlogged table(s) in database " + f.database() + " are never replicated:"
          + " writes to them that bypass Outpost are not seen by the change feed (cached reads age out by max-age)");
    }
  }

  private static void judgeSlot(Findings f, ChangeFeedOptions o, List<String> problems, List<String> warnings) {
    Slot s = f.slot();
    String slot = "replication slot " + o.slotName();
    if (s == null) {
      if (f.slotsUsed() >= f.slotsMax()) {
        problems.add(slot + " does not exist and all " + f.slotsMax() + " replication slots are taken"
            + " (max_replication_slots = " + f.slotsMax() + "); drop an unused slot or raise max_replication_slots"
            + " (needs a restart)");
      } else {
        warnings.add(slot + " will be created in database " + f.database());
      }
      return;
    }
    if (!"logical".equals(s.type()) || !"pgoutput".equals(s.plugin()) || !f.database().equals(s.database())) {
      problems.add(slot + " exists but is a " + s.type() + " slot" + (s.plugin() == null ? "" : " for plugin " + s.plugin())
          + (s.database() == null ? "" : " in database " + s.database()) + ", not a pgoutput slot in database "
          + f.database() + "; drop it (outpost change-feed drop-slot) or configure another change-feed-slot");
      return;
    }
    if ("lost".equals(s.walStatus())) {
      problems.add(slot + " has lost WAL it needs (wal_status = lost, see max_slot_wal_keep_size); writes in the gap"
          + " cannot be replayed: drop it (outpost change-feed drop-slot) and start again, which invalidates"
          + " everything cached for database " + f.database());
    } else if ("unreserved".equals(s.walStatus())) {
      warnings.add(slot + " is about to lose WAL it needs (wal_status = unreserved); the feed trails far behind");
    }
    if (s.activePid() != null) {
      warnings.add(slot + " is in use by process " + s.activePid() + " (another consumer); a new consumer waits"
          + " until it stops");
    }
  }
}
