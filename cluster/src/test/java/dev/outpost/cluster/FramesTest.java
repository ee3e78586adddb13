package dev.outpost.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.cache.CacheEvent;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The frame header: version and kind checks, and the coordinator's SUBMIT → SEQUENCED rewrite. */
class FramesTest {

  @Test
  void sequencedFrame_carriesTheSequenceAndTheSubmittedBodyUnchanged() throws Exception {
    var inv = new CacheEvent.Invalidation("db", Set.of("t"), false, "n1", 9);
    byte[] submit = Frames.submitInvalidation("n1", Frames.FLAG_RESUBMITTED, inv);
    long seq = SequenceSpace.sequence(3, 17);
    byte[] frame = Frames.sequenced(seq, submit);

    FrameReader in = new FrameReader(frame, 0, frame.length);
    assertThat(Frames.readKind(in)).isEqualTo(Frames.KIND_SEQUENCED);
    assertThat(in.readLong()).isEqualTo(seq);
    Frames.Envelope env = Frames.readEnvelope(in);
    assertThat(env.submitter()).isEqualTo("n1");
    assertThat(env.has(Frames.FLAG_RESUBMITTED)).isTrue();
    assertThat(env.payloadType()).isEqualTo(Frames.PAYLOAD_INVALIDATION);
    assertThat(EventCodec.readInvalidation(in)).isEqualTo(inv);
    in.expectEnd();
  }

  @Test
  void relayedFrame_carriesTheOriginRegionAndTheInvalidation() throws Exception {
    var inv = new CacheEvent.Invalidation("db", Set.of(), true, true, "n1", 3);
    byte[] submit = Frames.submitInvalidation("n1", 0, inv);
    FrameReader sub = new FrameReader(submit, 0, submit.length);
    Frames.readKind(sub);
    Frames.Envelope env = Frames.readEnvelope(sub);
    byte[] relayed = Frames.relayed("eu", submit, env.payloadOffset(), submit.length - env.payloadOffset());

    FrameReader in = new FrameReader(relayed, 0, relayed.length);
    assertThat(Frames.readKind(in)).isEqualTo(Frames.KIND_RELAYED);
    assertThat(in.readString()).isEqualTo("eu");
    assertThat(EventCodec.readInvalidation(in)).isEqualTo(inv);
  }

  @Test
  void unknownVersionKindAudienceFlagsOrPayload_areRejected() {
    assertThatThrownBy(() -> Frames.readKind(reader(1, Frames.KIND_SUBMIT)))
        .as("a node of the version before schemaChanged").isInstanceOf(MalformedFrameException.class)
        .hasMessageContaining("unknown frame version 1");
    assertThatThrownBy(() -> Frames.readKind(reader(2, Frames.KIND_SUBMIT)))
        .as("a node of the version before row-limited keys").isInstanceOf(MalformedFrameException.class)
        .hasMessageContaining("unknown frame version 2");
    assertThatThrownBy(() -> Frames.readKind(reader(4, Frames.KIND_SUBMIT)))
        .isInstanceOf(MalformedFrameException.class).hasMessageContaining("unknown frame version 4");
    assertThatThrownBy(() -> Frames.readKind(reader(Frames.VERSION, 9)))
        .isInstanceOf(MalformedFrameException.class).hasMessageContaining("unknown frame kind 9");
    assertThatThrownBy(() -> Frames.readEnvelope(envelope(7, 0, Frames.PAYLOAD_FILL)))
        .isInstanceOf(MalformedFrameException.class).hasMessageContaining("audience");
    assertThatThrownBy(() -> Frames.readEnvelope(envelope(0, 64, Frames.PAYLOAD_FILL)))
        .isInstanceOf(MalformedFrameException.class).hasMessageContaining("flags");
    assertThatThrownBy(() -> Frames.readEnvelope(envelope(0, 0, 42)))
        .isInstanceOf(MalformedFrameException.class).hasMessageContaining("payload type 42");
  }

  private static FrameReader reader(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return new FrameReader(b, 0, b.length);
  }

  private static FrameReader envelope(int audience, int flags, int payloadType) {
    byte[] b = new FrameWriter(32).writeByte(audience).writeByte(flags).writeString("n").writeLong(1)
        .writeByte(payloadType).toByteArray();
    return new FrameReader(b, 0, b.length);
  }
}
