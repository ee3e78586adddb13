package dev.outpost.bench.lab;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * One thing the bench measures: a Postgres-speaking address plus the client settings it needs,
 * under the label it has in the report.
 *
 * <p>Every connection is plain TCP ({@code sslmode=disable}, no GSS) with bounded connect and
 * socket timeouts, so that no load loop can hang on a dead endpoint, and sends its settings in the
 * startup packet as libpq does ({@code assumeMinServerVersion=9.0}).
 *
 * @param label the row name in the report, e.g. {@code "direct"} or {@code "outpost (hit)"}
 * @param address where to connect and as whom
 * @param driverSettings pgjdbc properties on top of the defaults (e.g. {@code prepareThreshold=0})
 * @param note what a reader of the report must know about this endpoint, or empty
 */
public record Endpoint(String label, PgAddress address, Map<String, String> driverSettings, String note) {
  private static final Driver DRIVER = new Driver();

  public Endpoint {
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(address, "address");
    driverSettings = Map.copyOf(driverSettings);
    note = note == null ? "" : note;
  }

  public static Endpoint of(String label, PgAddress address) {
    return new Endpoint(label, address, Map.of(), "");
  }

  public Endpoint withLabel(String newLabel) {
    return new Endpoint(newLabel, address, driverSettings, note);
  }

  public Endpoint withNote(String newNote) {
    return new Endpoint(label, address, driverSettings, newNote);
  }

  public Endpoint withDriverSetting(String key, String value) {
    Map<String, String> settings = new LinkedHashMap<>(driverSettings);
    settings.put(key, value);
    return new Endpoint(label, address, settings, note);
  }

  /** The pgjdbc properties: bench defaults, then this endpoint's settings. */
  public Properties properties() {
    Properties p = new Properties();
    p.setProperty("user", address.user());
    if (address.password() != null) {
      p.setProperty("password", address.password());
    }
    p.setProperty("sslmode", "disable");
    p.setProperty("gssEncMode", "disable");
    p.setProperty("connectTimeout", "30");
    p.setProperty("socketTimeout", "60");
    p.setProperty("loginTimeout", "30");
    p.setProperty("ApplicationName", "outpost-bench");
    // Without this pgjdbc keeps its startup packet pre-9.0-compatible and follows the login with two
    // SET statements: two extra round trips per connection that libpq-based clients never pay.
    p.setProperty("assumeMinServerVersion", "9.0");
    p.putAll(driverSettings);
    return p;
  }

  /** A new, unpooled connection; the caller closes it. */
  public Connection connect() throws SQLException {
    Connection c = DRIVER.connect(address.jdbcUrl(), properties());
    if (c == null) {
      throw new SQLException("pgjdbc did not accept " + address.jdbcUrl());
    }
    return c;
  }
}
