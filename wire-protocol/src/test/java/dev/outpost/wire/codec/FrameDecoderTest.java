package dev.outpost.wire.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.wire.Frame;
import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
  private static EmbeddedChannel channel(int max) {
    return new EmbeddedChannel(new FrameDecoder(max, b -> FrontendType.of((byte) b) != null, "client"));
  }

  private static ByteBuf hex(String hex) {
    return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex.replace(" ", "")));
  }

  @Test
  void decode_fragmentedInput_waitsForFullFrame() {
    EmbeddedChannel ch = channel(1024);
    // Query "select 1" followed by Sync, fed one byte at a time.
    byte[] bytes = ByteBufUtil.decodeHexDump("510000000d73656c656374203100" + "5300000004");
    for (byte b : bytes) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    Frame query = ch.readInbound();
    Frame sync = ch.readInbound();
    assertThat(query.type()).isEqualTo((byte) 'Q');
    assertThat(ByteBufUtil.hexDump(query.content())).isEqualTo("510000000d73656c656374203100");
    assertThat(ByteBufUtil.hexDump(query.body())).isEqualTo("73656c656374203100");
    assertThat(query.firstString()).isEqualTo("select 1").isSameAs(query.firstString());
    assertThat(sync.type()).isEqualTo((byte) 'S');
    assertThat(sync.size()).isEqualTo(5);
    query.release();
    sync.release();
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void decode_unknownType_failsWithProtocolViolation() {
    EmbeddedChannel ch = channel(1024);
    assertThatThrownBy(() -> ch.writeInbound(hex("7a00000004")))
        .isInstanceOf(DecoderException.class)
        .hasCauseInstanceOf(PgWireException.class)
        .cause().hasMessageContaining("invalid client message type 'z'");
    ch.finishAndReleaseAll();
  }

  @Test
  void decode_twoGibLength_failsBeforeBuffering() {
    EmbeddedChannel ch = channel(64 * 1024 * 1024);
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> ch.writeInbound(hex("517fffffff")));
    assertThat(t.getCause()).isInstanceOf(PgWireException.class);
    assertThat(((PgWireException) t.getCause()).sqlstate()).isEqualTo(Sqlstate.PROTOCOL_VIOLATION);
    assertThat(t.getCause()).hasMessageContaining("length 2147483647");
    ch.finishAndReleaseAll();
  }

  @Test
  void decode_lengthBelowFour_fails() {
    EmbeddedChannel ch = channel(1024);
    assertThatThrownBy(() -> ch.writeInbound(hex("5300000003"))).isInstanceOf(DecoderException.class);
    ch.finishAndReleaseAll();
  }

  @Test
  void decode_afterFailure_discardsEverything() {
    EmbeddedChannel ch = channel(1024);
    assertThatThrownBy(() -> ch.writeInbound(hex("7a00000004"))).isInstanceOf(DecoderException.class);
    ch.writeInbound(hex("5300000004"));
    assertThat((Object) ch.readInbound()).isNull();
    ch.finishAndReleaseAll();
  }

  @Test
  void decode_maxLengthRaised_acceptsLargerMessages() {
    FrameDecoder decoder = new FrameDecoder(8, b -> true, "client");
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    decoder.maxLength(100);
    ch.writeInbound(hex("510000000d73656c656374203100"));
    Frame f = ch.readInbound();
    assertThat(f.length()).isEqualTo(13);
    f.release();
    ch.finishAndReleaseAll();
  }
}
