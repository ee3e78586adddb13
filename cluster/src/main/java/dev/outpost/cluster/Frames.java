package dev.outpost.cluster;

import dev.outpost.cache.CacheEvent;

/**
 * The versioned binary frames nodes exchange (DESIGN §7). Every frame starts with a version byte
 * and a kind byte; a receiver rejects versions and kinds it does not know, and anything larger
 * than its configured bound, before reading further.
 *
 * <pre>
 * SUBMIT    := version:u8=3 kind:u8=1 body                 node → coordinator
 * SEQUENCED := version:u8=3 kind:u8=2 sequence:i64 body    coordinator → region (total order)
 * RELAYED   := version:u8=3 kind:u8=3 originRegion:str Invalidation   coordinator → other regions
 * body      := audience:u8 flags:u8 submitter:str token:i64 payloadType:u8 payload
 * payload   := Fill | (nothing, for RETAINED_FILL) | Invalidation | Flush   (see EventCodec)
 * </pre>
 *
 * <p>The coordinator turns a SUBMIT into a SEQUENCED frame by prefixing the sequence to the body
 * it received, without decoding the event. {@code audience} SUBMITTER means only the submitting
 * node applies the event (a fill too large to replicate); the others just see the sequence number
 * go by. {@code token} lets the submitter recognize its
 * own event when it comes back.
 */
final class Frames {

  /**
   * 2: an invalidation carries schemaChanged; 3: a fill's key carries the Execute's row limit. Nodes
   * of different versions refuse each other's frames.
   */
  static final int VERSION = 3;

  static final int KIND_SUBMIT = 1;
  static final int KIND_SEQUENCED = 2;
  static final int KIND_RELAYED = 3;

  static final int AUDIENCE_ALL = 0;
  static final int AUDIENCE_SUBMITTER = 1;

  /** The event came from another region: never relay it out again. */
  static final int FLAG_FROM_OTHER_REGION = 1;
  /** A copy sent again after a coordinator change: the coordinator drops duplicates in a term. */
  static final int FLAG_RESUBMITTED = 2;
  static final int KNOWN_FLAGS = FLAG_FROM_OTHER_REGION | FLAG_RESUBMITTED;

  static final int PAYLOAD_FILL = 1;
  static final int PAYLOAD_RETAINED_FILL = 2;
  static final int PAYLOAD_INVALIDATION = 3;
  static final int PAYLOAD_FLUSH = 4;

  /** Bytes a SEQUENCED frame adds to its body beyond a SUBMIT's header. */
  static final int SEQUENCE_BYTES = 8;
  /** Allowance above {@code cluster.max-fill-size} for a frame's header fields. */
  static final int HEADER_ALLOWANCE = 1024;

  private Frames() {}

  /** The body of a submission, read from a SUBMIT or SEQUENCED frame. */
  record Envelope(int audience, int flags, String submitter, long token, int payloadType, int payloadOffset) {
    boolean has(int flag) {
      return (flags & flag) != 0;
    }
  }

  /** Starts a SUBMIT frame; the caller appends the payload. */
  static FrameWriter submit(int audience, int flags, String submitter, long token, int payloadType, int sizeHint) {
    return new FrameWriter(sizeHint + 64 + submitter.length())
        .writeByte(VERSION).writeByte(KIND_SUBMIT)
        .writeByte(audience).writeByte(flags).writeString(submitter).writeLong(token).writeByte(payloadType);
  }

  static byte[] submitInvalidation(String submitter, int flags, CacheEvent.Invalidation inv) {
    FrameWriter w = submit(AUDIENCE_ALL, flags, submitter, 0, PAYLOAD_INVALIDATION, 64);
    EventCodec.writeInvalidation(w, inv);
    return w.toByteArray();
  }

  static byte[] submitFlush(String submitter, int audience, long token, CacheEvent.Flush flush) {
    FrameWriter w = submit(audience, 0, submitter, token, PAYLOAD_FLUSH, 16);
    EventCodec.writeFlush(w, flush);
    return w.toByteArray();
  }

  /** The SEQUENCED frame for a SUBMIT frame's body. */
  static byte[] sequenced(long sequence, byte[] submit) {
    byte[] out = new byte[submit.length + SEQUENCE_BYTES];
    out[0] = VERSION;
    out[1] = KIND_SEQUENCED;
    for (int i = 0; i < 8; i++) {
      out[2 + i] = (byte) (sequence >>> (56 - 8 * i));
    }
    System.arraycopy(submit, 2, out, 2 + SEQUENCE_BYTES, submit.length - 2);
    return out;
  }

  /** A RELAYED frame carrying an invalidation's encoded payload to other regions. */
  static byte[] relayed(String originRegion, byte[] payload, int offset, int length) {
    return new FrameWriter(length + 16 + originRegion.length())
        .writeByte(VERSION).writeByte(KIND_RELAYED).writeString(originRegion)
        .writeRaw(payload, offset, length)
        .toByteArray();
  }

  /** Reads version and kind; rejects what this node does not understand. */
  static int readKind(FrameReader in) throws MalformedFrameException {
    int version = in.readByte();
    if (version != VERSION) {
      throw new MalformedFrameException("unknown frame version " + version + " (this node reads " + VERSION + ")");
    }
    int kind = in.readByte();
    if (kind < KIND_SUBMIT || kind > KIND_RELAYED) {
      throw new MalformedFrameException("unknown frame kind " + kind);
    }
    return kind;
  }

  /** Reads a body up to its payload. */
  static Envelope readEnvelope(FrameReader in) throws MalformedFrameException {
    int audience = in.readByte();
    if (audience != AUDIENCE_ALL && audience != AUDIENCE_SUBMITTER) {
      throw new MalformedFrameException("unknown audience " + audience);
    }
    int flags = in.readByte();
    if ((flags & ~KNOWN_FLAGS) != 0) {
      throw new MalformedFrameException("unknown flags " + flags);
    }
    String submitter = in.readString();
    long token = in.readLong();
    int payloadType = in.readByte();
    if (payloadType < PAYLOAD_FILL || payloadType > PAYLOAD_FLUSH) {
      throw new MalformedFrameException("unknown payload type " + payloadType);
    }
    return new Envelope(audience, flags, submitter, token, payloadType, in.position());
  }
}
