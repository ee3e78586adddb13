package dev.outpost.changefeed;

import static dev.outpost.changefeed.Hex.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.changefeed.PgOutputDecoder.DecodeException;
import dev.outpost.changefeed.PgOutputMessage.Begin;
import dev.outpost.changefeed.PgOutputMessage.Column;
import dev.outpost.changefeed.PgOutputMessage.Commit;
import dev.outpost.changefeed.PgOutputMessage.Delete;
import dev.outpost.changefeed.PgOutputMessage.Insert;
import dev.outpost.changefeed.PgOutputMessage.Origin;
import dev.outpost.changefeed.PgOutputMessage.Relation;
import dev.outpost.changefeed.PgOutputMessage.Truncate;
import dev.outpost.changefeed.PgOutputMessage.Type;
import dev.outpost.changefeed.PgOutputMessage.Update;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every pgoutput v1 message the feed handles, decoded from hand-made bytes (layouts in {@link PgOutputDecoder}). */
class PgOutputDecoderTest {

  /** 2000-01-01T00:00:01.000002Z as microseconds since the Postgres epoch: 1_000_002 = 0xF4242. */
  private static final String TIME = "00000000 000F4242";
  private static final Instant AT = Instant.parse("2000-01-01T00:00:01.000002Z");

  @Test
  void decode_begin_readsFinalLsnCommitTimeAndXid() throws Exception {
    assertThat(PgOutputDecoder.decode(bytes("42 00000001 6B374D48 " + TIME + " 000002E7")))
        .isEqualTo(new Begin(Lsn.parse("1/6B374D48"), AT, 743));
  }

  @Test
  void decode_beginWithXidAboveSignedRange_keepsItUnsigned() throws Exception {
    Begin b = (Begin) PgOutputDecoder.decode(bytes("42 00000000 00000010 " + TIME + " FFFFFFFE"));
    assertThat(b.xid()).isEqualTo(4_294_967_294L);
  }

  @Test
  void decode_commit_readsFlagsCommitAndEndLsn() throws Exception {
    assertThat(PgOutputDecoder.decode(bytes("43 00 00000001 6B374D48 00000001 6B374D78 " + TIME)))
        .isEqualTo(new Commit(0, Lsn.parse("1/6B374D48"), Lsn.parse("1/6B374D78"), AT));
  }

  @Test
  void decode_relationWithMixedCaseAndQuotes_keepsNamesVerbatim() throws Exception {
    ByteBuffer fixture = bytes("52 00004001 `Sales` `Order \"Lines\"` 64 0002"
        + " 01 `id` 00000017 FFFFFFFF"
        + " 00 `Qty ü` 000006A4 00000016");
    Relation r = (Relation) PgOutputDecoder.decode(fixture);
    assertThat(r).isEqualTo(new Relation(16385, "Sales", "Order \"Lines\"", 'd', List.of(
        new Column(1, "id", 23, -1), new Column(0, "Qty ü", 1700, 22))));
  }

  @Test
  void decode_relationInPgCatalog_hasEmptyNamespace() throws Exception {
    Relation r = (Relation) PgOutputDecoder.decode(bytes("52 000004EB `` `pg_class` 6E 0000"));
    assertThat(r.namespace()).isEmpty();
    assertThat(r.name()).isEqualTo("pg_class");
    assertThat(r.columns()).isEmpty();
  }

  @Test
  void decode_insert_skipsTupleValues() throws Exception {
    // ('t', 1 byte "1"), null
    assertThat(PgOutputDecoder.decode(bytes("49 00004001 4E 0002 74 00000001 31 6E")))
        .isEqualTo(new Insert(16385, 2));
  }

  @Test
  void decode_updateWithKey_readsOldAndNewTuple() throws Exception {
    assertThat(PgOutputDecoder.decode(bytes("55 00004001 4B 0001 74 00000001 31 4E 0002 74 00000001 32 75")))
        .isEqualTo(new Update(16385, 'K', 2));
  }

  @Test
  void decode_updateWithOldRowAndBinaryColumn() throws Exception {
    assertThat(PgOutputDecoder.decode(bytes("55 00004001 4F 0001 62 00000002 0102 4E 0001 62 00000000")))
        .isEqualTo(new Update(16385, 'O', 1));
  }

  @Test
  void decode_updateWithoutOldTuple() throws Exception {
    assertThat(PgOutputDecoder.decode(bytes("55 00004002 4E 0001 74 00000003 616263")))
        .isEqualTo(new Update(16386, (char) 0, 1));
  }

  @Test
  void decode_delete_readsKeyKind() throws Exception {
    assertThat(PgOutputDecoder.decode(bytes("44 00004001 4F 0001 74 00000001 31")))
        .isEqualTo(new Delete(16385, 'O', 1));
    assertThat(PgOutputDecoder.decode(bytes("44 00004001 4B 0001 6E")))
        .isEqualTo(new Delete(16385, 'K', 1));
  }

  @Test
  void decode_truncateOfSeveralRelations_readsAllOidsAndBothFlags() throws Exception {
    assertThat(PgOutputDecoder.decode(bytes("54 00000003 03 00004001 00004002 FFFFFF00")))
        .isEqualTo(new Truncate(List.of(16385L, 16386L, 4294967040L), true, true));
    assertThat(PgOutputDecoder.decode(bytes("54 00000001 02 00004001")))
        .isEqualTo(new Truncate(List.of(16385L), false, true));
    assertThat(PgOutputDecoder.decode(bytes("54 00000002 00 00004001 00004002")))
        .isEqualTo(new Truncate(List.of(16385L, 16386L), false, false));
  }

  @Test
  void decode_originAndType_areUnderstood() throws Exception {
    assertThat(PgOutputDecoder.decode(bytes("4F 00000000 00000010 `node_a`")))
        .isEqualTo(new Origin(Lsn.parse("0/10"), "node_a"));
    assertThat(PgOutputDecoder.decode(bytes("59 00004100 `public` `mood`")))
        .isEqualTo(new Type(16640, "public", "mood"));
  }

  @Test
  void decode_readsFromThePositionOfASlice() throws Exception {
    ByteBuffer framed = bytes("FFFF 49 00004001 4E 0000");
    framed.position(2);
    assertThat(PgOutputDecoder.decode(framed)).isEqualTo(new Insert(16385, 0));
  }

  @Test
  void decode_unknownType_failsLoudly() {
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("4D 01 00000000 00000010 `p` 00000000")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("unknown pgoutput message type 'M'");
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("00")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("0x00");
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("empty");
  }

  @Test
  void decode_truncatedMessage_fails() {
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("42 00000001 6B374D48")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("ends early");
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("52 00004001 7075626C6963")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("NUL-terminated");
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("49 00004001 4E 0001 74 00000009 31")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("claims 9 bytes");
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("54 00000005 00 00004001")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("names 5 relations");
  }

  @Test
  void decode_trailingBytes_fail() {
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("49 00004001 4E 0000 00")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("1 unexpected trailing bytes");
  }

  @Test
  void decode_malformedMarkers_fail() {
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("49 00004001 4B 0000")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("expected 'N'");
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("55 00004001 58 0000")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("expected 'N', 'K' or 'O'");
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("44 00004001 4E 0000")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("expected 'K' or 'O'");
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("49 00004001 4E 0001 78")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("unknown kind 'x'");
    assertThatThrownBy(() -> PgOutputDecoder.decode(bytes("54 00000001 04 00004001")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("option bits 4");
  }
}
