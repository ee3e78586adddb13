package dev.outpost.changefeed;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * Makes DDL visible to the change feed. Logical replication carries row changes only, so a
 * migration run straight on the origin ({@code ALTER TABLE}, {@code CREATE OR REPLACE FUNCTION},
 * {@code GRANT} …) would reach cached results only when they expire. {@link #install} adds an
 * event trigger that records every DDL command in {@link #TABLE}, a table the feed reads like any
 * other: a commit that touched it is a schema change ({@link ChangeEvent#schemaChanged()}).
 *
 * <p>What is recorded: every command that fires {@code ddl_command_end} in the database (so not
 * global objects: roles, databases, tablespaces), except those whose objects are all temporary.
 * Rows older than a day are deleted by the trigger itself. Installing needs a superuser (event
 * triggers); the trigger function runs as its owner, so any role's DDL can record itself.
 */
public final class DdlTrigger {
  /** Where DDL commands are recorded. */
  public static final TableName TABLE = new TableName("outpost", "ddl_events");
  /** The event trigger's name. */
  public static final String NAME = "outpost_ddl";

  private static final List<String> INSTALL = List.of(
      "CREATE SCHEMA IF NOT EXISTS outpost",
      "CREATE TABLE IF NOT EXISTS outpost.ddl_events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
          + " at timestamptz NOT NULL DEFAULT now(), command_tag text NOT NULL)",
      "COMMENT ON TABLE outpost.ddl_events IS 'DDL commands, recorded by event trigger " + NAME
          + " so that the Outpost change feed sees schema changes; rows are kept for a day'",
      "CREATE OR REPLACE FUNCTION outpost.note_ddl() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER"
          + " SET search_path = pg_catalog, pg_temp AS $fn$"
          + " BEGIN"
          // temporary objects only (CREATE TEMP TABLE …): nothing another session could have cached
          + "   IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands())"
          + "       AND NOT EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() c"
          + "         WHERE c.schema_name IS NULL OR c.schema_name NOT LIKE 'pg\\_temp%') THEN"
          + "     RETURN;"
          + "   END IF;"
          + "   INSERT INTO outpost.ddl_events (command_tag) VALUES (tg_tag);"
          + "   DELETE FROM outpost.ddl_events WHERE at < now() - interval '1 day';"
          + " END $fn$",
      "DROP EVENT TRIGGER IF EXISTS " + NAME,
      "CREATE EVENT TRIGGER " + NAME + " ON ddl_command_end EXECUTE FUNCTION outpost.note_ddl()");

  private DdlTrigger() {}

  /**
   * Installs (or reinstalls) the trigger, its function and its table in the origin's database, in
   * one transaction.
   *
   * @throws ChangeFeedException naming what went wrong (not a superuser, cannot connect, …)
   */
  public static void install(ConnectionInfo origin) {
    try (Connection c = DriverManager.getConnection(origin.controlUrl(),
        origin.properties(Duration.ofSeconds(10), Duration.ofSeconds(60)))) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        for (String sql : INSTALL) {
          s.execute(sql);
        }
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        if ("42501".equals(e.getSQLState())) {
          throw new ChangeFeedException("role " + origin.user() + " may not create event trigger " + NAME
              + " in database " + origin.database() + ": Postgres requires a superuser; run this with a"
              + " superuser's origin URL", e);
        }
        throw new ChangeFeedException("could not install event trigger " + NAME + " in database "
            + origin.database() + ": " + FeedException.oneLine(e.getMessage()), e);
      }
    } catch (SQLException e) {
      throw new ChangeFeedException("could not connect to " + origin + " to install event trigger " + NAME + ": "
          + FeedException.oneLine(e.getMessage()), e);
    }
  }

  /** Whether the trigger is installed and enabled in {@code c}'s database. */
  static boolean installed(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = ? AND evtenabled <> 'D')")) {
      ps.setString(1, NAME);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }
}
