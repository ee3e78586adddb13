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

  /** A Query message of exactly {@code total} bytes on the wire. */
  private static byte[] query(int total) {
    byte[] m = new byte[total];
    java.util.Arrays.fill(m, (byte) 'x');
    m[0] = 'Q';
    Unpooled.wrappedBuffer(m).setInt(1, total - 1);
    m[total - 1] = 0;
    return m;
  }

  private static EmbeddedChannel channel(MessageMemory memory) {
    return new EmbeddedChannel(new FrameDecoder(64 * 1024 * 1024, b -> FrontendType.of((byte) b) != null, "client",
        memory));
  }

  @Test
  void largeMessage_receivedInPieces_isCountedUntilReleased() {
    MessageMemory memory = new MessageMemory(1 << 20);
    EmbeddedChannel ch = channel(memory);
    int total = MessageMemory.LARGE + 1000;
    byte[] m = query(total);
    ch.writeInbound(Unpooled.wrappedBuffer(m, 0, 3)); // not even the whole header yet
    assertThat(memory.inUse()).isZero();
    ch.writeInbound(Unpooled.wrappedBuffer(m, 3, 10_000));
    assertThat(memory.inUse()).isEqualTo(total); // reserved in full once the length is known
    assertThat((Object) ch.readInbound()).isNull();
    // the rest, with a Sync behind it in the same read
    ByteBuf rest = Unpooled.buffer().writeBytes(m, 10_003, total - 10_003)
        .writeBytes(ByteBufUtil.decodeHexDump("5300000004"));
    ch.writeInbound(rest);
    Frame big = ch.readInbound();
    Frame sync = ch.readInbound();
    assertThat(big.size()).isEqualTo(total);
    assertThat(ByteBufUtil.equals(big.content(), Unpooled.wrappedBuffer(m))).isTrue();
    assertThat(sync.type()).isEqualTo((byte) 'S');
    assertThat(memory.inUse()).isEqualTo(total); // still held by whoever holds the frame
    ByteBuf bodySlice = big.body().retain();
    big.release();
    assertThat(memory.inUse()).isEqualTo(total); // a slice of it is still alive
    bodySlice.release();
    sync.release();
    assertThat(memory.inUse()).isZero();
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void smallMessages_areNotCounted() {
    MessageMemory memory = new MessageMemory(0);
    EmbeddedChannel ch = channel(memory);
    byte[] m = query(MessageMemory.LARGE);
    ch.writeInbound(Unpooled.wrappedBuffer(m, 0, 100));
    ch.writeInbound(Unpooled.wrappedBuffer(m, 100, m.length - 100));
    Frame f = ch.readInbound();
    assertThat(f.size()).isEqualTo(MessageMemory.LARGE);
    f.release();
    assertThat(memory.refused()).isZero();
    ch.finishAndReleaseAll();
  }

  @Test
  void largeMessage_thatDoesNotFit_isRefusedAsOutOfMemory_beforeItsBodyIsBuffered() {
    int total = MessageMemory.LARGE + 1;
    MessageMemory memory = new MessageMemory(total + total / 2); // room for one
    EmbeddedChannel first = channel(memory);
    EmbeddedChannel second = channel(memory);
    byte[] m = query(total);
    first.writeInbound(Unpooled.wrappedBuffer(m, 0, 1000));

    Throwable t = org.assertj.core.api.Assertions.catchThrowable(
        () -> second.writeInbound(Unpooled.wrappedBuffer(m, 0, 1000)));
    assertThat(t).isInstanceOf(DecoderException.class);
    PgWireException e = (PgWireException) t.getCause();
    assertThat(e.sqlstate()).isEqualTo(Sqlstate.OUT_OF_MEMORY);
    assertThat(e.fatal()).isTrue();
    assertThat(e).hasMessageContaining("message of " + total + " bytes")
        .hasMessageContaining("already use " + total + " of the " + memory.limit() + " bytes");
    assertThat(memory.refused()).isEqualTo(1);
    assertThat(memory.inUse()).isEqualTo(total); // only the first one's
    second.writeInbound(Unpooled.wrappedBuffer(m, 1000, m.length - 1000)); // discarded
    assertThat((Object) second.readInbound()).isNull();

    first.writeInbound(Unpooled.wrappedBuffer(m, 1000, m.length - 1000));
    Frame f = first.readInbound();
    f.release();
    assertThat(memory.inUse()).isZero();
    EmbeddedChannel third = channel(memory); // room again
    third.writeInbound(Unpooled.wrappedBuffer(m));
    Frame g = third.readInbound();
    assertThat(g.size()).isEqualTo(total);
    g.release();
    first.finishAndReleaseAll();
    second.finishAndReleaseAll();
    third.finishAndReleaseAll();
    assertThat(memory.inUse()).isZero();
  }

  @Test
  void largeMessage_largerThanTheWholeBudget_isRefusedAsNeverFitting() {
    MessageMemory memory = new MessageMemory(MessageMemory.LARGE * 2);
    EmbeddedChannel ch = channel(memory);
    byte[] m = query(MessageMemory.LARGE * 3);
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(
        () -> ch.writeInbound(Unpooled.wrappedBuffer(m, 0, 100)));
    PgWireException e = (PgWireException) t.getCause();
    assertThat(e.sqlstate()).isEqualTo(Sqlstate.OUT_OF_MEMORY);
    assertThat(e).hasMessageContaining("it is larger than the " + memory.limit() + " bytes");
    assertThat(e.hint()).contains("smaller parts").doesNotContain("retry");
    assertThat(memory.inUse()).isZero();
    ch.finishAndReleaseAll();
  }

  @Test
  void largeMessage_cutOffByClose_givesItsMemoryBack() {
    MessageMemory memory = new MessageMemory(1 << 20);
    EmbeddedChannel ch = channel(memory);
    byte[] m = query(MessageMemory.LARGE * 2);
    ch.writeInbound(Unpooled.wrappedBuffer(m, 0, 5000));
    assertThat(memory.inUse()).isEqualTo(m.length);
    ch.close();
    assertThat(memory.inUse()).isZero();
    ch.finishAndReleaseAll();
  }

  @Test
  void largeMessage_inProgress_isReceivedWhole_evenIfMaxLengthIsLoweredMeanwhile() {
    MessageMemory memory = new MessageMemory(1 << 20);
    FrameDecoder decoder = new FrameDecoder(64 * 1024 * 1024, b -> FrontendType.of((byte) b) != null, "client",
        memory);
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    byte[] m = query(MessageMemory.LARGE * 2);
    ch.writeInbound(Unpooled.wrappedBuffer(m, 0, 5000));
    decoder.maxLength(10); // as if lowered; the message in progress keeps its reservation
    ch.writeInbound(Unpooled.wrappedBuffer(m, 5000, m.length - 5000));
    Frame f = ch.readInbound();
    assertThat(f.size()).isEqualTo(m.length);
    assertThat(memory.inUse()).isEqualTo(m.length);
    f.release();
    // the next message is judged by the new maximum
    assertThatThrownBy(() -> ch.writeInbound(hex("5100000400"))).isInstanceOf(DecoderException.class);
    assertThat(memory.inUse()).isZero();
    ch.finishAndReleaseAll();
  }

  /**
   * A stream of 1,011-byte messages read 64 KiB at a time, so that almost every read ends inside
   * a message: the input buffer must hold only what is not decoded yet. Netty's merging
   * cumulator grows its buffer in place for the bytes of every read while the messages sliced
   * from it are released between reads (a client that keeps up), and no reader of the slices
   * lets it drop the bytes already read: a 1 GiB result grew it past 32 MiB and out of a small
   * node's direct memory.
   */
  @Test
  void streamOfMessages_readerKeepsUp_inputBufferHoldsOnlyWhatIsNotDecoded() {
    assertThat(streamThrough(0)).isLessThanOrEqualTo(4 * READ);
  }

  /**
   * The same while the messages of one read are still held when the next read arrives (a slow
   * reader). Netty's cumulator passes this too; it pins that the buffer is never compacted under
   * a held message: with the compaction done regardless of held slices, message 0 changed at its
   * first byte.
   */
  @Test
  void streamOfMessages_readerOneReadBehind_inputBufferHoldsOnlyWhatIsNotDecoded() {
    assertThat(streamThrough(1)).isLessThanOrEqualTo(4 * READ);
  }

  private static final int READ = 64 * 1024;

  /**
   * Feeds 400 reads of a stream of CopyData messages (each names its sequence number in every
   * byte of its body) through a decoder, releasing each read's messages {@code lag} reads later
   * after checking their bytes; returns the largest buffer a message was sliced from.
   */
  private static int streamThrough(int lag) {
    EmbeddedChannel ch = channel(1 << 20);
    int messageLength = 1011;
    java.util.ArrayDeque<java.util.List<Frame>> held = new java.util.ArrayDeque<>();
    int largest = 0;
    long produced = 0;
    int next = 0;
    for (int read = 0; read < 400; read++) {
      byte[] bytes = new byte[READ];
      for (int i = 0; i < READ; i++, produced++) {
        int seq = (int) (produced / messageLength);
        int at = (int) (produced % messageLength);
        bytes[i] = (byte) (at == 0 ? 'd' : at < 5 ? (messageLength - 1) >>> (8 * (4 - at)) : seq & 0x7F);
      }
      ByteBuf in = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(READ);
      ch.writeInbound(in.writeBytes(bytes));
      java.util.List<Frame> frames = new java.util.ArrayList<>();
      for (Frame f; (f = ch.readInbound()) != null; ) {
        ByteBuf whole = f.content();
        while (whole.unwrap() != null) {
          whole = whole.unwrap(); // past the slice (and the leak detector's wrapper) to the buffer read into
        }
        largest = Math.max(largest, whole.capacity());
        frames.add(f);
      }
      held.add(frames);
      while (held.size() > lag) {
        for (Frame f : held.poll()) {
          assertThat(f.size()).isEqualTo(messageLength);
          byte[] body = ByteBufUtil.getBytes(f.body());
          for (int i = 0; i < body.length; i++) {
            if (body[i] != (byte) (next & 0x7F)) {
              throw new AssertionError("message " + next + " changed at byte " + i + " while it was held");
            }
          }
          f.release();
          next++;
        }
      }
    }
    held.forEach(fs -> fs.forEach(Frame::release));
    assertThat(next).isGreaterThan(400 * (READ / messageLength) - 2 * (READ / messageLength));
    ch.finishAndReleaseAll();
    return largest;
  }
}
