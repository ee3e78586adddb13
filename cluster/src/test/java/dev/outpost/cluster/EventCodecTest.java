package dev.outpost.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CachedResult;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.Freshness;
import dev.outpost.cache.QueryProtocol;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every field of every event survives the wire; truncated or corrupt input is rejected, never thrown. */
class EventCodecTest {

  private static final long NOW = 5_000_000_000L;

  private static CacheEvent.Fill fullFill() {
    CacheKey key = CacheKey.builder("shop", "reader", "SELECT * FROM t WHERE a = $1 AND b = $2")
        .settings(Map.of("search_path", "public", "TimeZone", "UTC"))
        .protocol(QueryProtocol.EXTENDED)
        .parameterTypes(23, 0)
        .parameterFormats((short) 1, (short) 0)
        .parameterValues(new byte[] {0, 0, 0, 7}, null)
        .resultFormats((short) 1)
        .rowLimit(1)
        .build();
    CachedResult result = CachedResult.builder("rows+complete".getBytes(StandardCharsets.UTF_8))
        .rowDescription(new byte[] {'T', 1, 2})
        .parameterDescription(new byte[] {'t', 9})
        .rowCount(3)
        .dependencies(Dependencies.ofNames("t", "u"))
        .freshness(new Freshness(Duration.ofSeconds(30), Duration.ofMillis(1500)))
        .createdAtNanos(NOW - 2_000_000L) // 2 ms old at encoding
        .build();
    return new CacheEvent.Fill(key, result, 77L, "eu-1");
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  @Test
  void fill_roundTripsEveryField_andRebasesTheAgeOnTheReceiversClock() throws Exception {
    CacheEvent.Fill fill = fullFill();
    FrameWriter w = new FrameWriter(64);
    EventCodec.writeFill(w, fill, NOW);
    byte[] wire = w.toByteArray();

    long receiverNow = 123_000_000_000L; // another process, another clock
    FrameReader in = new FrameReader(wire, 0, wire.length);
    CacheEvent.Fill back = EventCodec.readFill(in, receiverNow);
    in.expectEnd();

    assertThat(back.key()).isEqualTo(fill.key());
    assertThat(back.key().rowLimit()).isEqualTo(1);
    assertThat(back.key().parameterValue(1)).isNull();
    assertThat(back.sequenceAtStart()).isEqualTo(77L);
    assertThat(back.originNode()).isEqualTo("eu-1");
    CachedResult r = back.result();
    assertThat(bytes(r.rowsAndCompletion())).isEqualTo(bytes(fill.result().rowsAndCompletion()));
    assertThat(bytes(r.rowDescription().orElseThrow())).containsExactly('T', 1, 2);
    assertThat(bytes(r.parameterDescription().orElseThrow())).containsExactly('t', 9);
    assertThat(r.rowCount()).isEqualTo(3);
    assertThat(r.dependencies()).isEqualTo(Dependencies.ofNames("t", "u"));
    assertThat(r.freshness()).isEqualTo(fill.result().freshness());
    assertThat(r.createdAtNanos()).isEqualTo(receiverNow - 2_000_000L);
  }

  @Test
  void fillWithoutOptionalParts_roundTrips() throws Exception {
    CacheKey key = CacheKey.builder("db", "app", "SELECT 1").build();
    CachedResult result = CachedResult.builder(new byte[0]).dependencies(Dependencies.ALL).createdAtNanos(NOW).build();
    FrameWriter w = new FrameWriter(8);
    EventCodec.writeFill(w, new CacheEvent.Fill(key, result, 0, "n"), NOW);
    byte[] wire = w.toByteArray();
    CacheEvent.Fill back = EventCodec.readFill(new FrameReader(wire, 0, wire.length), NOW);
    assertThat(back.key()).isEqualTo(key);
    assertThat(back.result().rowDescription()).isEmpty();
    assertThat(back.result().parameterDescription()).isEmpty();
    assertThat(back.result().dependencies()).isEqualTo(Dependencies.ALL);
  }

  @Test
  void invalidationAndFlush_roundTrip() throws Exception {
    var inv = new CacheEvent.Invalidation("shop", Set.of("orders", "lines"), false, "us-2", 41);
    var all = new CacheEvent.Invalidation("shop", Set.of(), true, "us-2", 42);
    var schema = new CacheEvent.Invalidation("shop", Set.of(), true, true, "us-2", 43);
    for (var event : new CacheEvent.Invalidation[] {inv, all, schema}) {
      FrameWriter w = new FrameWriter(8);
      EventCodec.writeInvalidation(w, event);
      byte[] wire = w.toByteArray();
      assertThat(EventCodec.readInvalidation(new FrameReader(wire, 0, wire.length))).isEqualTo(event);
    }
    FrameWriter w = new FrameWriter(8);
    EventCodec.writeFlush(w, new CacheEvent.Flush("admin"));
    byte[] wire = w.toByteArray();
    assertThat(EventCodec.readFlush(new FrameReader(wire, 0, wire.length))).isEqualTo(new CacheEvent.Flush("admin"));
  }

  @Test
  void everyTruncation_isRejectedAsMalformed() {
    FrameWriter w = new FrameWriter(64);
    EventCodec.writeFill(w, fullFill(), NOW);
    byte[] wire = w.toByteArray();
    for (int len = 0; len < wire.length; len++) {
      int cut = len;
      assertThatThrownBy(() -> {
        FrameReader in = new FrameReader(wire, 0, cut);
        EventCodec.readFill(in, NOW);
        in.expectEnd();
      }).as("cut at %d of %d", cut, wire.length).isInstanceOf(MalformedFrameException.class);
    }
  }

  @Test
  void randomCorruption_isEitherReadOrRejected_neverAnotherException() {
    FrameWriter w = new FrameWriter(64);
    EventCodec.writeFill(w, fullFill(), NOW);
    byte[] original = w.toByteArray();
    Random random = new Random(20240607L);
    int rejected = 0;
    for (int i = 0; i < 5_000; i++) {
      byte[] wire = original.clone();
      for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
        wire[random.nextInt(wire.length)] = (byte) random.nextInt(256);
      }
      try {
        FrameReader in = new FrameReader(wire, 0, wire.length);
        EventCodec.readFill(in, NOW);
        in.expectEnd();
      } catch (MalformedFrameException expected) {
        rejected++;
      }
    }
    assertThat(rejected).as("corruptions detected").isPositive();
  }

  @Test
  void hugeCounts_areRejectedBeforeAllocating() {
    byte[] wire = new FrameWriter(8).writeInt(Integer.MAX_VALUE).toByteArray();
    assertThatThrownBy(() -> new FrameReader(wire, 0, wire.length).readCount(4))
        .isInstanceOf(MalformedFrameException.class).hasMessageContaining("does not fit");
    byte[] bytes = new FrameWriter(8).writeInt(1 << 30).toByteArray();
    assertThatThrownBy(() -> new FrameReader(bytes, 0, bytes.length).readBytes())
        .isInstanceOf(MalformedFrameException.class).hasMessageContaining("truncated");
  }
}
