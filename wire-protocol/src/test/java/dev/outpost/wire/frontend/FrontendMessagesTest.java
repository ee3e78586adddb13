package dev.outpost.wire.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.wire.PgWireException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FrontendMessagesTest {
  private static final ByteBufAllocator A = ByteBufAllocator.DEFAULT;

  private static <T extends FrontendMessage> T roundTrip(T message, String expectedHex, Function<ByteBuf, T> decoder) {
    ByteBuf encoded = message.encode(A);
    try {
      assertThat(ByteBufUtil.hexDump(encoded)).isEqualTo(expectedHex);
      return decoder.apply(encoded.skipBytes(5));
    } finally {
      encoded.release();
    }
  }

  @Test
  void query_roundTrip() {
    assertThat(roundTrip(new Query("select 1"), "510000000d73656c656374203100", Query::decode))
        .isEqualTo(new Query("select 1"));
  }

  @Test
  void parse_roundTrip() {
    Parse p = new Parse("s1", "select $1", new int[] {23});
    Parse back = roundTrip(p, "50000000" + "17" + "733100" + "73656c656374202431" + "00" + "0001" + "00000017", Parse::decode);
    assertThat(back).isEqualTo(p);
    assertThat(back.withStatement("x").statement()).isEqualTo("x");
  }

  @Test
  void parse_ofAFrame_isDecodedOnce_andAMalformedOneFailsEveryTime() {
    ByteBuf wire = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(
        "50000000" + "17" + "733100" + "73656c656374202431" + "00" + "0001" + "00000017"));
    dev.outpost.wire.Frame frame = new dev.outpost.wire.Frame(wire);
    try {
      Parse first = Parse.of(frame);
      assertThat(first).isEqualTo(new Parse("s1", "select $1", new int[] {23}));
      assertThat(Parse.of(frame)).isSameAs(first);
      assertThat(frame.firstString()).isEqualTo("s1");
      assertThat(frame.decoded(String.class, b -> "other type")).isEqualTo("other type");
    } finally {
      frame.release();
    }
    // parameter count 1 but no type follows
    dev.outpost.wire.Frame bad = new dev.outpost.wire.Frame(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(
        "50000000" + "0d" + "00" + "73656c00" + "0001")));
    try {
      assertThatThrownBy(() -> Parse.of(bad)).isInstanceOf(PgWireException.class);
      assertThatThrownBy(() -> Parse.of(bad)).isInstanceOf(PgWireException.class);
    } finally {
      bad.release();
    }
  }

  @Test
  void bind_decodesPartsLazilyAndRenamesWithoutCopy() {
    // portal "", statement "s1", 1 format (binary), 2 params: int4 7 and NULL, 1 result format (text)
    String hex = "42" + "0000001e" + "00" + "733100" + "0001" + "0001" + "0002" + "00000004" + "00000007"
        + "ffffffff" + "0001" + "0000";
    ByteBuf in = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    in.skipBytes(5);
    Bind bind = Bind.decode(in);
    in.release();
    try {
      assertThat(bind.statement()).isEqualTo("s1");
      assertThat(bind.parameterFormats()).containsExactly((short) 1);
      assertThat(bind.parameterValues()[0]).containsExactly(0, 0, 0, 7);
      assertThat(bind.parameterValues()[1]).isNull();
      assertThat(bind.resultFormats()).containsExactly((short) 0);
      ByteBuf again = bind.encode(A);
      assertThat(ByteBufUtil.hexDump(again)).isEqualTo(hex);
      again.release();
      Bind renamed = bind.withNames("", "op_ab");
      ByteBuf r = renamed.encode(A);
      assertThat(ByteBufUtil.hexDump(r)).isEqualTo("42" + "00000021" + "00" + "6f705f616200"
          + hex.substring(2 + 8 + 2 + 6));
      r.release();
      renamed.release();
      ByteBuf zeroCopy = bind.encodeRenamed(A, "", "op_ab");
      assertThat(ByteBufUtil.hexDump(zeroCopy)).isEqualTo("42" + "00000021" + "00" + "6f705f616200"
          + hex.substring(2 + 8 + 2 + 6));
      zeroCopy.release();
    } finally {
      bind.release();
    }
  }

  @Test
  void bind_encodeRenamed_copiesSmallTails_andSharesLargeOnes() {
    for (int size : new int[] {8, Bind.COPY_TAIL_MAX + 1}) {
      ByteBuf body = Unpooled.buffer();
      body.writeBytes(new byte[] {'p', 0, 's', 0});
      body.writeShort(0).writeShort(1).writeInt(size);
      for (int i = 0; i < size; i++) {
        body.writeByte(i);
      }
      body.writeShort(0);
      Bind bind = Bind.decode(body);
      try {
        Bind renamed = bind.withNames("", "op_x");
        ByteBuf expected = renamed.encode(A);
        ByteBuf actual = bind.encodeRenamed(A, "", "op_x");
        assertThat(ByteBufUtil.hexDump(actual)).isEqualTo(ByteBufUtil.hexDump(expected));
        assertThat(actual instanceof io.netty.buffer.CompositeByteBuf).isEqualTo(size > Bind.COPY_TAIL_MAX);
        actual.release();
        expected.release();
        renamed.release();
      } finally {
        bind.release();
        body.release();
      }
    }
  }

  @Test
  void bind_truncatedValue_isProtocolViolation() {
    ByteBuf in = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("00" + "00" + "0000" + "0001" + "0000000a" + "0102"));
    assertThatThrownBy(() -> Bind.decode(in)).isInstanceOf(PgWireException.class).hasMessageContaining("parameter value");
    in.release();
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource({
      // portal, statement, format count, formats, parameter count, lengths and values, result formats
      "00 00 0000 0001 00000002 0102 0000 ff, trailing bytes",
      "00 00 0002 0000 0001 0001 00000000 0000, does not match parameter count",
      "00 00 0000 0001 ffffffff 0002 0001, result formats",
      "00 00 0000 0001 fffffffe 0000, negative parameter length",
      "00 00 0003 0000, parameter formats",
      "00 00 0000 0002 00000000, parameter length",
      "00 00 0000 0000, result format count"})
  void bind_malformedTail_isProtocolViolation_andTheReaderStaysAfterTheNames(String hex, String why) {
    ByteBuf in = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex.replace(" ", "")));
    assertThatThrownBy(() -> Bind.decode(in)).isInstanceOf(PgWireException.class).hasMessageContaining(why);
    assertThat(in.readerIndex()).isEqualTo(2);
    in.release();
  }

  @Test
  void bind_wellFormedTail_keepsEveryByteAfterTheNames() {
    ByteBuf in = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("7000" + "7300" + "0001" + "0001" + "0002"
        + "00000002" + "0102" + "ffffffff" + "0001" + "0000"));
    Bind bind = Bind.decode(in);
    assertThat(bind.portal()).isEqualTo("p");
    assertThat(bind.statement()).isEqualTo("s");
    assertThat(in.isReadable()).isFalse();
    bind.release();
    in.release();
  }

  @Test
  void describeExecuteClose_roundTrip() {
    assertThat(roundTrip(new Describe(Describe.STATEMENT, "s1"), "440000000853733100", Describe::decode))
        .isEqualTo(new Describe(Describe.STATEMENT, "s1"));
    assertThat(roundTrip(new Execute("", 10), "45000000090000000000a".substring(0, 0) + "4500000009000000000a", Execute::decode))
        .isEqualTo(new Execute("", 10));
    assertThat(roundTrip(new Close(Close.PORTAL, "p"), "43000000075070" + "00", Close::decode))
        .isEqualTo(new Close(Close.PORTAL, "p"));
  }

  @Test
  void describe_badKind_isProtocolViolation() {
    ByteBuf in = Unpooled.wrappedBuffer(new byte[] {'X', 0});
    assertThatThrownBy(() -> Describe.decode(in)).isInstanceOf(PgWireException.class);
    in.release();
  }

  @Test
  void emptyMessages_encodeFiveBytes() {
    ByteBuf s = Sync.INSTANCE.encode(A);
    ByteBuf f = Flush.INSTANCE.encode(A);
    ByteBuf t = Terminate.INSTANCE.encode(A);
    assertThat(ByteBufUtil.hexDump(s) + ByteBufUtil.hexDump(f) + ByteBufUtil.hexDump(t))
        .isEqualTo("5300000004" + "4800000004" + "5800000004");
    s.release();
    f.release();
    t.release();
  }

  @Test
  void sasl_roundTrip_andPasswordNeverPrinted() {
    SaslInitialResponse first = new SaslInitialResponse("SCRAM-SHA-256", "n,,n=,r=x".getBytes());
    ByteBuf b = first.encode(A);
    SaslInitialResponse back = SaslInitialResponse.decode(b.skipBytes(5));
    b.release();
    assertThat(back.mechanism()).isEqualTo("SCRAM-SHA-256");
    assertThat(new String(back.data())).isEqualTo("n,,n=,r=x");
    assertThat(new PasswordMessage("hunter2").toString()).doesNotContain("hunter2");
  }
}
