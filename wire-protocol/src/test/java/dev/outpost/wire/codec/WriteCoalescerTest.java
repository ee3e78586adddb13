package dev.outpost.wire.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.wire.backend.EmptyResponse;
import dev.outpost.wire.backend.ReadyForQuery;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteCoalescerTest {
  private static ByteBuf bytes(int n, int fill) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) fill);
    return Unpooled.wrappedBuffer(b);
  }

  /**
   * A direct buffer as a channel reads into when the leak detector does not watch it (the tests'
   * paranoid detector wraps every allocated buffer, and wrapped slices are copied, not joined).
   */
  private static ByteBuf readBuffer(int capacity) {
    ByteBuf b = Unpooled.wrappedBuffer(java.nio.ByteBuffer.allocateDirect(capacity)).clear();
    assertThat(b.unwrap()).isNull();
    return b;
  }

  private static List<String> written(EmbeddedChannel ch) {
    ch.flush();
    List<String> out = new ArrayList<>();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      out.add(ByteBufUtil.hexDump(b));
      b.release();
    }
    return out;
  }

  @Test
  void smallMessages_becomeOneWrite_inOrder() {
    EmbeddedChannel ch = new EmbeddedChannel();
    WriteCoalescer w = new WriteCoalescer(ch);
    ByteBuf a = bytes(3, 0x0a);
    ByteBuf b = bytes(2, 0x0b);
    w.write(a);
    w.write(b);
    assertThat(a.refCnt()).isZero();
    assertThat(b.refCnt()).isZero();
    assertThat(w.heldBytes()).isEqualTo(5);
    assertThat(written(ch)).isEmpty(); // nothing reaches the channel before drain
    w.drain();
    assertThat(w.heldBytes()).isZero();
    assertThat(written(ch)).containsExactly("0a0a0a0b0b");
  }

  @Test
  void adjacentSlicesOfOneRead_areJoined_notCopied() {
    EmbeddedChannel ch = new EmbeddedChannel();
    WriteCoalescer w = new WriteCoalescer(ch);
    ByteBuf read = readBuffer(64);
    read.writeBytes(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    ByteBuf a = read.readRetainedSlice(3);
    ByteBuf b = read.readRetainedSlice(2);
    ByteBuf c = read.readRetainedSlice(4);
    read.release(); // the decoder's own reference: the slices keep the memory
    w.write(a);
    w.write(b);
    w.write(c);
    assertThat(w.heldBytes()).isEqualTo(9);
    w.drain();
    ch.flush();
    ByteBuf out = ch.readOutbound();
    assertThat(ByteBufUtil.hexDump(out)).isEqualTo("010203040506070809");
    assertThat(out.unwrap()).as("a slice of the read buffer, not a copy").isSameAs(read);
    assertThat((Object) ch.readOutbound()).isNull();
    out.release();
    assertThat(read.refCnt()).as("every reference given back").isZero();
  }

  @Test
  void slicesWithAGapOrOfOtherBuffers_areCopied_inOrder() {
    EmbeddedChannel ch = new EmbeddedChannel();
    WriteCoalescer w = new WriteCoalescer(ch);
    ByteBuf read = readBuffer(64);
    read.writeBytes(new byte[] {1, 2, 3, 4, 5, 6});
    ByteBuf a = read.readRetainedSlice(2);
    read.skipBytes(1); // a message Outpost swallowed
    ByteBuf b = read.readRetainedSlice(3);
    read.release();
    w.write(a);
    w.write(b);
    w.write(bytes(1, 0x0f));
    w.drain();
    assertThat(written(ch)).containsExactly("010204050 60f".replace(" ", ""));
    assertThat(read.refCnt()).isZero();
  }

  @Test
  void aLargeJoinedRun_isWrittenAsIs_beforeACopiedMessage() {
    EmbeddedChannel ch = new EmbeddedChannel();
    WriteCoalescer w = new WriteCoalescer(ch);
    ByteBuf read = readBuffer(8192);
    read.writeBytes(new byte[3000]);
    ByteBuf a = read.readRetainedSlice(1500);
    ByteBuf b = read.readRetainedSlice(1500);
    read.release();
    w.write(a);
    w.write(b); // joined: 3000 bytes, more than SMALL
    w.write(bytes(2, 0x0e));
    w.drain();
    ch.flush();
    ByteBuf run = ch.readOutbound();
    assertThat(run.readableBytes()).isEqualTo(3000);
    assertThat(run.unwrap()).isSameAs(read);
    run.release();
    assertThat(written(ch)).containsExactly("0e0e");
    assertThat(read.refCnt()).isZero();
  }

  @Test
  void aLoneSmallMessage_isWrittenWithoutACopy() {
    EmbeddedChannel ch = new EmbeddedChannel();
    WriteCoalescer w = new WriteCoalescer(ch);
    ByteBuf only = bytes(4, 0x0d);
    w.write(only);
    assertThat(w.heldBytes()).isEqualTo(4);
    w.drain();
    ch.flush();
    ByteBuf out = ch.readOutbound();
    assertThat(out).isSameAs(only);
    out.release();
  }

  @Test
  void largeMessage_isWrittenAsIs_afterWhatWasCopiedBeforeIt() {
    EmbeddedChannel ch = new EmbeddedChannel();
    WriteCoalescer w = new WriteCoalescer(ch);
    ByteBuf big = bytes(WriteCoalescer.SMALL + 1, 0x0c);
    w.write(bytes(1, 0x01));
    w.write(big);
    w.write(bytes(1, 0x02));
    w.drain();
    ch.flush();
    ByteBuf first = ch.readOutbound();
    ByteBuf second = ch.readOutbound();
    ByteBuf third = ch.readOutbound();
    assertThat(ByteBufUtil.hexDump(first)).isEqualTo("01");
    assertThat(second).isSameAs(big); // not copied
    assertThat(ByteBufUtil.hexDump(third)).isEqualTo("02");
    first.release();
    second.release();
    third.release();
  }

  @Test
  void copiedBytes_reachTheChannel_onceTheLimitIsHeld() {
    EmbeddedChannel ch = new EmbeddedChannel();
    WriteCoalescer w = new WriteCoalescer(ch);
    int messages = WriteCoalescer.LIMIT / WriteCoalescer.SMALL;
    for (int i = 0; i < messages; i++) {
      w.write(bytes(WriteCoalescer.SMALL, i));
    }
    assertThat(w.heldBytes()).isZero(); // handed over without a drain
    List<String> out = written(ch);
    assertThat(out).hasSize(1);
    assertThat(out.get(0)).hasSize(2 * WriteCoalescer.LIMIT);
  }

  @Test
  void messagesAndByteBuffers_joinTheSameWrite() {
    EmbeddedChannel ch = new EmbeddedChannel();
    WriteCoalescer w = new WriteCoalescer(ch);
    ByteBuffer row = ByteBuffer.wrap(new byte[] {1, 2, 3});
    w.write(EmptyResponse.BIND_COMPLETE);
    w.write(row);
    w.write(ReadyForQuery.of((byte) 'I'));
    assertThat(row.remaining()).as("the caller's buffer is not consumed").isEqualTo(3);
    w.drain();
    assertThat(written(ch)).containsExactly("3200000004" + "010203" + "5a0000000549");
  }

  @Test
  void largeByteBuffer_isWrittenWithoutACopy() {
    EmbeddedChannel ch = new EmbeddedChannel();
    WriteCoalescer w = new WriteCoalescer(ch);
    byte[] big = new byte[WriteCoalescer.SMALL + 1];
    w.write(EmptyResponse.BIND_COMPLETE);
    w.write(ByteBuffer.wrap(big));
    ch.flush();
    ByteBuf first = ch.readOutbound();
    ByteBuf second = ch.readOutbound();
    assertThat(ByteBufUtil.hexDump(first)).isEqualTo("3200000004");
    assertThat(second.readableBytes()).isEqualTo(big.length);
    big[0] = 42;
    assertThat(second.getByte(0)).as("shares the caller's bytes").isEqualTo((byte) 42);
    first.release();
    second.release();
  }

  @Test
  void discard_releasesWhatWasHeld() {
    EmbeddedChannel ch = new EmbeddedChannel();
    List<ByteBuf> allocated = new ArrayList<>();
    ch.config().setAllocator(new AbstractByteBufAllocator(false) {
      @Override
      protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return Unpooled.buffer(initialCapacity, maxCapacity);
      }

      @Override
      protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf b = Unpooled.directBuffer(initialCapacity, maxCapacity);
        allocated.add(b);
        return b;
      }

      @Override
      public boolean isDirectBufferPooled() {
        return false;
      }
    });
    WriteCoalescer w = new WriteCoalescer(ch);
    ByteBuf lone = bytes(10, 1);
    w.write(lone);
    w.discard();
    assertThat(lone.refCnt()).as("a lone message is released").isZero();
    w.write(bytes(10, 1));
    w.write(bytes(10, 2));
    assertThat(allocated).hasSize(1);
    w.discard();
    w.drain();
    assertThat(written(ch)).isEmpty();
    assertThat(w.heldBytes()).isZero();
    assertThat(allocated.get(0).refCnt()).isZero();
  }
}
