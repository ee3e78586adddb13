package dev.outpost.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class SmokeIT {
  @Test
  void select_throughOutpost_returnsRows() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    String db = origin.createDatabase("smoke");
    try (TestNode node = TestNode.start(origin, db, b -> b.poolSize(2))) {
      for (String mode : new String[] {"simple", "extended", "extendedForPrepared"}) {
        try (Connection c = node.connect("preferQueryMode=" + mode); Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("select 41 + 1")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(42);
        }
        try (Connection c = node.connect("preferQueryMode=" + mode + "&prepareThreshold=1");
            PreparedStatement ps = c.prepareStatement("select ?::int * 2")) {
          for (int i = 0; i < 5; i++) {
            ps.setInt(1, i);
            try (ResultSet rs = ps.executeQuery()) {
              assertThat(rs.next()).isTrue();
              assertThat(rs.getInt(1)).isEqualTo(i * 2);
            }
          }
        }
      }
    }
  }
}
