package dev.outpost.proxy.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.testkit.TestOrigin;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A {@link CatalogRound} against a real origin: its queries reach the origin together, behind one
 * Sync (so in one implicit transaction, which is how the test sees that they did), each reader gets
 * its own query's rows with its own parameters, and one failing query fails the round.
 */
class CatalogRoundIT {

  @Test
  void queriesRunBehindOneSync_eachReaderGetsItsOwnRows_inOrder() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    List<String> seen = new ArrayList<>();
    List<Object> transactionStarts = new ArrayList<>();
    try (Connection c = origin.superConnection()) {
      c.setAutoCommit(true);
      for (int use = 0; use < 7; use++) { // past pgjdbc's prepareThreshold: server-prepared texts behave the same
        seen.clear();
        transactionStarts.clear();
        new CatalogRound()
            .add("SELECT ?::int8 + 1, pg_catalog.now()", rs -> {
              while (rs.next()) {
                seen.add("a" + rs.getLong(1));
                transactionStarts.add(rs.getObject(2));
              }
            }, 41)
            .add("SELECT g, pg_catalog.now() FROM generate_series(?::int8, ?::int8) g WHERE pg_catalog.pg_sleep(0.01) IS NOT NULL",
                rs -> {
                  while (rs.next()) {
                    seen.add("b" + rs.getLong(1));
                    transactionStarts.add(rs.getObject(2));
                  }
                }, 1, 3)
            .add("SELECT 1 WHERE false", rs -> seen.add(rs.next() ? "c-row" : "c-empty"))
            .add("SELECT ?::text::oid::int8, pg_catalog.now()", rs -> {
              rs.next();
              seen.add("d" + rs.getLong(1));
              transactionStarts.add(rs.getObject(2));
            }, 16384)
            .run(c);
        assertThat(seen).as("use %d", use).containsExactly("a42", "b1", "b2", "b3", "c-empty", "d16384");
        // now() is the transaction's start: separate round trips (one Sync each) would each start their
        // own implicit transaction, 10 ms of pg_sleep apart at least
        assertThat(transactionStarts).as("use %d: one implicit transaction", use).hasSize(5).containsOnly(transactionStarts.get(0));
      }
    }
  }

  @Test
  void aFailingQuery_failsTheRound_andTheConnectionServesTheNextOne() throws Exception {
    TestOrigin origin = TestOrigin.shared();
    List<Long> read = new ArrayList<>();
    try (Connection c = origin.superConnection()) {
      c.setAutoCommit(true);
      CatalogRound failing = new CatalogRound()
          .add("SELECT 1", rs -> {
            rs.next();
            read.add(rs.getLong(1));
          })
          .add("SELECT 1 / (? - ?)", rs -> read.add(-1L), 2, 2);
      assertThatThrownBy(() -> failing.run(c)).isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22012"));
      assertThat(read).as("no reader sees rows of a failed round").isEmpty();
      new CatalogRound().add("SELECT ?::int8", rs -> {
        rs.next();
        read.add(rs.getLong(1));
      }, 7).run(c);
      assertThat(read).containsExactly(7L);
    }
  }
}
