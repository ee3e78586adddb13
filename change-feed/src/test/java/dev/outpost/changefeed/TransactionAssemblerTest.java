package dev.outpost.changefeed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.changefeed.PgOutputDecoder.DecodeException;
import dev.outpost.changefeed.PgOutputMessage.Begin;
import dev.outpost.changefeed.PgOutputMessage.Commit;
import dev.outpost.changefeed.PgOutputMessage.Delete;
import dev.outpost.changefeed.PgOutputMessage.Insert;
import dev.outpost.changefeed.PgOutputMessage.Origin;
import dev.outpost.changefeed.PgOutputMessage.Relation;
import dev.outpost.changefeed.PgOutputMessage.Truncate;
import dev.outpost.changefeed.PgOutputMessage.Type;
import dev.outpost.changefeed.PgOutputMessage.Update;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransactionAssemblerTest {

  private static final Instant T = Instant.parse("2025-01-02T03:04:05Z");
  private static final Lsn COMMIT = Lsn.parse("0/1000");
  private static final Lsn END = Lsn.parse("0/1030");

  private final TransactionAssembler assembler = new TransactionAssembler(TransactionAssembler.AncestorLookup.NONE);

  private static Relation relation(long oid, String schema, String name) {
    return new Relation(oid, schema, name, 'd', List.of());
  }

  @Test
  void commit_afterChangesToTwoTables_namesBothInFirstSeenOrder() throws Exception {
    assertThat(assembler.accept(new Begin(COMMIT, T, 10))).isNull();
    assertThat(assembler.inTransaction()).isTrue();
    assertThat(assembler.openCommitTime()).isEqualTo(T);
    assembler.accept(relation(2, "public", "b"));
    assembler.accept(relation(1, "public", "a"));
    assembler.accept(new Update(2, (char) 0, 1));
    assembler.accept(new Insert(1, 1));
    assembler.accept(new Delete(2, 'K', 1));
    var done = assembler.accept(new Commit(0, COMMIT, END, T));
    assertThat(done.relations()).containsExactly(new TableName("public", "b"), new TableName("public", "a"));
    assertThat(done.begin().xid()).isEqualTo(10);
    assertThat(done.commit().endLsn()).isEqualTo(END);
    assertThat(assembler.inTransaction()).isFalse();
  }

  @Test
  void relations_areRememberedAcrossTransactionsOfOneStream() throws Exception {
    assembler.accept(new Begin(COMMIT, T, 10));
    assembler.accept(relation(1, "Sales", "Order Lines"));
    assembler.accept(new Insert(1, 1));
    assembler.accept(new Commit(0, COMMIT, END, T));
    Lsn second = Lsn.parse("0/2000");
    assembler.accept(new Begin(second, T, 11));
    assembler.accept(new Insert(1, 1));
    var done = assembler.accept(new Commit(0, second, Lsn.parse("0/2030"), T));
    assertThat(done.relations()).containsExactly(new TableName("Sales", "Order Lines"));
  }

  @Test
  void truncateOfSeveralRelations_namesEach() throws Exception {
    assembler.accept(new Begin(COMMIT, T, 10));
    assembler.accept(relation(1, "public", "a"));
    assembler.accept(relation(2, "public", "b"));
    assembler.accept(new Truncate(List.of(1L, 2L), true, false));
    assertThat(assembler.accept(new Commit(0, COMMIT, END, T)).relations())
        .containsExactly(new TableName("public", "a"), new TableName("public", "b"));
  }

  @Test
  void transactionWithoutChanges_hasNoRelations() throws Exception {
    assembler.accept(new Begin(COMMIT, T, 10));
    assembler.accept(new Origin(Lsn.parse("0/10"), "elsewhere"));
    assembler.accept(new Type(99, "public", "mood"));
    assertThat(assembler.accept(new Commit(0, COMMIT, END, T)).relations()).isEmpty();
  }

  @Test
  void partition_addsItsAncestorsNearestFirst() throws Exception {
    List<Long> looked = new ArrayList<>();
    TransactionAssembler a = new TransactionAssembler(oid -> {
      looked.add(oid);
      return oid == 7 ? List.of(new TableName("public", "events_2025"), new TableName("public", "events")) : List.of();
    });
    a.accept(new Begin(COMMIT, T, 10));
    a.accept(relation(7, "public", "events_2025_01"));
    a.accept(new Insert(7, 1));
    assertThat(a.accept(new Commit(0, COMMIT, END, T)).relations()).containsExactly(
        new TableName("public", "events_2025_01"), new TableName("public", "events_2025"),
        new TableName("public", "events"));
    assertThat(looked).containsExactly(7L);
  }

  @Test
  void pgCatalogRelation_getsItsSchemaName() throws Exception {
    assembler.accept(new Begin(COMMIT, T, 10));
    assembler.accept(relation(1, "", "pg_class"));
    assembler.accept(new Insert(1, 1));
    assertThat(assembler.accept(new Commit(0, COMMIT, END, T)).relations())
        .containsExactly(new TableName("pg_catalog", "pg_class"));
  }

  @Test
  void changeToUndescribedRelation_isADesync() throws Exception {
    assembler.accept(new Begin(COMMIT, T, 10));
    assertThatThrownBy(() -> assembler.accept(new Insert(42, 1)))
        .isInstanceOf(DecodeException.class).hasMessageContaining("relation 42 which the stream never described");
  }

  @Test
  void messagesOutsideTransaction_areADesync() throws Exception {
    assembler.accept(relation(1, "public", "a"));
    assertThatThrownBy(() -> assembler.accept(new Insert(1, 1))).isInstanceOf(DecodeException.class)
        .hasMessageContaining("outside a transaction");
    assertThatThrownBy(() -> assembler.accept(new Commit(0, COMMIT, END, T))).isInstanceOf(DecodeException.class)
        .hasMessageContaining("commit outside a transaction");
  }

  @Test
  void nestedBeginAndMismatchedCommit_areADesync() throws Exception {
    assembler.accept(new Begin(COMMIT, T, 10));
    assertThatThrownBy(() -> assembler.accept(new Begin(COMMIT, T, 11))).isInstanceOf(DecodeException.class)
        .hasMessageContaining("inside open transaction");
    assertThatThrownBy(() -> assembler.accept(new Commit(0, Lsn.parse("0/999"), END, T)))
        .isInstanceOf(DecodeException.class).hasMessageContaining("does not match");
  }
}
