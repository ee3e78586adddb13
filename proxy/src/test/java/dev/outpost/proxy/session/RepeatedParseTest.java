package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.wire.Frame;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.frontend.Parse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class RepeatedParseTest {
  private static Frame frame(Parse p) {
    return new Frame(p.encode(ByteBufAllocator.DEFAULT));
  }

  @Test
  void theSameBytesAgain_areDecodedOnce() {
    RepeatedParse parses = new RepeatedParse();
    Frame a = frame(new Parse("", "SELECT abalance FROM pgbench_accounts WHERE aid = $1", new int[] {23}));
    Frame b = frame(new Parse("", "SELECT abalance FROM pgbench_accounts WHERE aid = $1", new int[] {23}));
    try {
      Parse first = parses.of(a);
      assertThat(parses.of(b)).isSameAs(first);
      assertThat(first.sql()).isEqualTo("SELECT abalance FROM pgbench_accounts WHERE aid = $1");
      assertThat(first.parameterTypes()).containsExactly(23);
    } finally {
      a.release();
      b.release();
    }
  }

  @Test
  void otherBytes_areDecodedAsTheyAre() {
    RepeatedParse parses = new RepeatedParse();
    Frame a = frame(new Parse("", "SELECT $1", new int[] {23}));
    Frame b = frame(new Parse("", "SELECT $1", new int[] {25})); // same text, another type
    Frame c = frame(new Parse("s1", "SELECT $1", new int[] {23}));
    try {
      Parse first = parses.of(a);
      assertThat(parses.of(b).parameterTypes()).containsExactly(25);
      assertThat(parses.of(c).statement()).isEqualTo("s1");
      assertThat(parses.of(a)).as("remembered by its frame").isSameAs(first);
    } finally {
      a.release();
      b.release();
      c.release();
    }
  }

  @Test
  void aMalformedParse_failsEachTime_andLeavesTheMemoAsItWas() {
    RepeatedParse parses = new RepeatedParse();
    Frame good = frame(new Parse("", "SELECT 1", new int[0]));
    ByteBuf bad = Unpooled.buffer();
    bad.writeByte('P').writeInt(4 + 3).writeBytes(new byte[] {0, 'x', 'y'}); // the text has no NUL
    Frame malformed = new Frame(bad);
    Frame again = frame(new Parse("", "SELECT 1", new int[0]));
    try {
      Parse first = parses.of(good);
      assertThatThrownBy(() -> parses.of(malformed)).isInstanceOf(PgWireException.class);
      assertThat(parses.of(again)).isSameAs(first);
    } finally {
      good.release();
      malformed.release();
      again.release();
    }
  }
}
