package dev.outpost.proxy.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.cache.CacheStatus;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code outpost demo}, what the README's first command starts: its own Postgres with the shop
 * data behind an emulated WAN, a node in front, reachable with the URLs the banner prints (over
 * TLS, as psql asks by default), the admin console included; closing it stops all of it.
 */
class DemoIT {

  @Test
  void demo_servesTheShopThroughTheNode_withTheBannersUrls_andStopsOnClose() throws Exception {
    String through;
    try (Demo demo = Demo.start(Duration.ofMillis(5), "127.0.0.1", 0)) {
      String banner = demo.banner();
      assertThat(banner).contains("psql '" + demo.outpostUrl() + "'").contains("psql '" + demo.directUrl() + "'")
          .contains("psql '" + demo.adminUrl() + "'");
      through = jdbc(demo.outpostUrl());
      try (Connection c = DriverManager.getConnection(through + "&sslmode=require")) {
        String read = "SELECT count(*) FROM products WHERE category = 'books'";
        long hitsBefore = demo.node().cacheService().cache().stats().count(CacheStatus.HIT);
        for (int i = 0; i < 50 && demo.node().cacheService().cache().stats().count(CacheStatus.HIT) == hitsBefore;
            i++) {
          assertThat(value(c, read)).isEqualTo("200");
          Thread.sleep(20);
        }
        assertThat(demo.node().cacheService().cache().stats().count(CacheStatus.HIT))
            .as("a repeated read is answered from the node's cache").isGreaterThan(hitsBefore);
        assertThat(Long.parseLong(value(c, "SELECT count(*) FROM customers"))).isPositive();
      }
      try (Connection direct = DriverManager.getConnection(jdbc(demo.directUrl()))) {
        assertThat(value(direct, "SELECT count(*) FROM products")).isEqualTo("1000");
      }
      try (Connection admin = DriverManager.getConnection(jdbc(demo.adminUrl()) + "&preferQueryMode=simple");
          Statement s = admin.createStatement(); ResultSet rs = s.executeQuery("SHOW POOLS")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("pool")).isEqualTo(Demo.USER + "@" + Demo.DATABASE);
      }
    }
    String stopped = through;
    assertThatThrownBy(() -> DriverManager.getConnection(stopped + "&connectTimeout=2").close())
        .isInstanceOf(SQLException.class);
  }

  /** pgjdbc's form of a libpq URL {@code postgresql://user:password@host:port/db}. */
  private static String jdbc(String libpq) {
    String rest = libpq.substring("postgresql://".length());
    String credentials = rest.substring(0, rest.indexOf('@'));
    String where = rest.substring(rest.indexOf('@') + 1);
    return "jdbc:postgresql://" + where + "?user=" + credentials.substring(0, credentials.indexOf(':'))
        + "&password=" + credentials.substring(credentials.indexOf(':') + 1);
  }

  private static String value(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
