package dev.outpost.wire.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import dev.outpost.wire.frontend.CancelRequest;
import dev.outpost.wire.frontend.GssEncRequest;
import dev.outpost.wire.frontend.SslRequest;
import dev.outpost.wire.frontend.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupDecoderTest {
  private static ByteBuf hex(String hex) {
    return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex.replace(" ", "")));
  }

  @Test
  void decode_sslRequest_thenStartup_oneAtATime() {
    EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder());
    Map<String, String> params = new LinkedHashMap<>();
    params.put("user", "alice");
    params.put("database", "shop");
    ByteBuf startup = StartupMessage.v3(params).encode(ByteBufAllocator.DEFAULT);
    ch.writeInbound(hex("0000000804d2162f"));
    assertThat((Object) ch.readInbound()).isEqualTo(SslRequest.INSTANCE);
    for (int i = 0; i < startup.readableBytes(); i++) {
      ch.writeInbound(startup.retainedSlice(i, 1));
    }
    startup.release();
    StartupMessage m = ch.readInbound();
    assertThat(m.user()).isEqualTo("alice");
    assertThat(m.database()).isEqualTo("shop");
    assertThat(m.majorVersion()).isEqualTo(3);
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void decode_startupBytes_areExactlyTheProtocolLayout() {
    ByteBuf b = StartupMessage.v3(Map.of("user", "u")).encode(ByteBufAllocator.DEFAULT);
    assertThat(ByteBufUtil.hexDump(b)).isEqualTo("00000010" + "00030000" + "7573657200" + "7500" + "00");
    b.release();
  }

  @Test
  void decode_gssAndCancel() {
    EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder());
    ch.writeInbound(hex("0000000804d21630"));
    assertThat((Object) ch.readInbound()).isEqualTo(GssEncRequest.INSTANCE);
    EmbeddedChannel ch2 = new EmbeddedChannel(new StartupDecoder());
    ch2.writeInbound(hex("0000001004d2162e0000007b0a0b0c0d"));
    CancelRequest c = ch2.readInbound();
    assertThat(c.processId()).isEqualTo(123);
    assertThat(c.secretKey()).containsExactly(10, 11, 12, 13);
    ch.finishAndReleaseAll();
    ch2.finishAndReleaseAll();
  }

  @Test
  void decode_protocolVersion99_isFeatureNotSupported() {
    EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder());
    ByteBuf b = new StartupMessage(9, 9, Map.of("user", "u")).encode(ByteBufAllocator.DEFAULT);
    Throwable t = catchThrowable(() -> ch.writeInbound(b));
    assertThat(((PgWireException) t.getCause()).sqlstate()).isEqualTo(Sqlstate.FEATURE_NOT_SUPPORTED);
    assertThat(t.getCause()).hasMessageContaining("unsupported frontend protocol 9.9");
    ch.finishAndReleaseAll();
  }

  @Test
  void decode_garbageLength_isProtocolViolation() {
    EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder());
    Throwable t = catchThrowable(() -> ch.writeInbound(hex("474554202f20485454502f312e310d0a")));
    assertThat(((PgWireException) t.getCause()).sqlstate()).isEqualTo(Sqlstate.PROTOCOL_VIOLATION);
    assertThat(t.getCause()).hasMessageContaining("invalid length of startup packet");
    ch.finishAndReleaseAll();
  }

  @Test
  void decode_missingTerminator_isProtocolViolation() {
    EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder());
    // length 13: version, "user\0" and no terminator
    Throwable t = catchThrowable(() -> ch.writeInbound(hex("0000000d00030000757365720075")));
    assertThat(((PgWireException) t.getCause()).sqlstate()).isEqualTo(Sqlstate.PROTOCOL_VIOLATION);
    ch.finishAndReleaseAll();
  }

  @Test
  void decode_noUser_isRejected() {
    EmbeddedChannel ch = new EmbeddedChannel(new StartupDecoder());
    ByteBuf b = StartupMessage.v3(Map.of("database", "x")).encode(ByteBufAllocator.DEFAULT);
    Throwable t = catchThrowable(() -> ch.writeInbound(b));
    assertThat(((PgWireException) t.getCause()).sqlstate()).isEqualTo(Sqlstate.INVALID_AUTHORIZATION_SPECIFICATION);
    ch.finishAndReleaseAll();
  }
}
