package dev.outpost.changefeed;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes one pgoutput message (protocol version 1, no streaming, no logical messages) from the
 * payload of one XLogData frame. Layouts (Int* big-endian, String NUL-terminated UTF-8):
 *
 * <pre>
 * B  Int64 final LSN, Int64 commit time (µs since 2000-01-01), Int32 xid
 * C  Int8 flags, Int64 commit LSN, Int64 end LSN, Int64 commit time
 * O  Int64 origin commit LSN, String origin name
 * R  Int32 oid, String namespace, String name, Int8 replica identity, Int16 n,
 *    n × (Int8 flags, String name, Int32 type oid, Int32 type modifier)
 * Y  Int32 oid, String namespace, String name
 * I  Int32 oid, 'N', TupleData
 * U  Int32 oid, ['K' TupleData | 'O' TupleData], 'N', TupleData
 * D  Int32 oid, 'K' | 'O', TupleData
 * T  Int32 n, Int8 options (1 cascade, 2 restart identity), n × Int32 oid
 * TupleData  Int16 n, n × ('n' | 'u' | 't' Int32 len, Byte[len] | 'b' Int32 len, Byte[len])
 * </pre>
 *
 * <p>Guarantees: a message is accepted only if it is consumed exactly; an unknown type, a
 * truncated message or trailing bytes throw {@link DecodeException}, because a desynchronized
 * stream would otherwise drop invalidations silently.
 */
final class PgOutputDecoder {

  /** 2000-01-01T00:00:00Z, the epoch of Postgres timestamps. */
  static final Instant PG_EPOCH = Instant.parse("2000-01-01T00:00:00Z");

  private PgOutputDecoder() {}

  /** Thrown when the payload is not a well-formed pgoutput v1 message. */
  static final class DecodeException extends Exception {
    DecodeException(String message) {
      super(message);
    }
  }

  /** Decodes the message in {@code payload} (from its position to its limit). */
  static PgOutputMessage decode(ByteBuffer payload) throws DecodeException {
    ByteBuffer b = payload.slice();
    if (!b.hasRemaining()) {
      throw new DecodeException("empty pgoutput message");
    }
    char type = (char) (b.get() & 0xFF);
    PgOutputMessage message;
    try {
      message = switch (type) {
        case 'B' -> new PgOutputMessage.Begin(lsn(b), time(b), uint32(b));
        case 'C' -> new PgOutputMessage.Commit(b.get() & 0xFF, lsn(b), lsn(b), time(b));
        case 'O' -> new PgOutputMessage.Origin(lsn(b), string(b));
        case 'R' -> relation(b);
        case 'Y' -> new PgOutputMessage.Type(uint32(b), string(b), string(b));
        case 'I' -> insert(b);
        case 'U' -> update(b);
        case 'D' -> delete(b);
        case 'T' -> truncate(b);
        default -> throw new DecodeException("unknown pgoutput message type " + describe(type)
            + " (protocol version 1 without streaming or messages sends only B C O R Y I U D T)");
      };
    } catch (BufferUnderflowException e) {
      throw new DecodeException("pgoutput message '" + type + "' ends early (" + b.capacity() + " bytes)");
    }
    if (b.hasRemaining()) {
      throw new DecodeException("pgoutput message '" + type + "' has " + b.remaining() + " unexpected trailing bytes");
    }
    return message;
  }

  private static String describe(char type) {
    return type >= 0x20 && type < 0x7F ? "'" + type + "'" : String.format("0x%02X", (int) type);
  }

  private static PgOutputMessage.Relation relation(ByteBuffer b) throws DecodeException {
    long oid = uint32(b);
    String namespace = string(b);
    String name = string(b);
    char identity = (char) (b.get() & 0xFF);
    int n = uint16(b);
    List<PgOutputMessage.Column> columns = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      columns.add(new PgOutputMessage.Column(b.get() & 0xFF, string(b), uint32(b), b.getInt()));
    }
    return new PgOutputMessage.Relation(oid, namespace, name, identity, columns);
  }

  private static PgOutputMessage.Insert insert(ByteBuffer b) throws DecodeException {
    long oid = uint32(b);
    expect(b, 'N', "insert");
    return new PgOutputMessage.Insert(oid, tuple(b));
  }

  private static PgOutputMessage.Update update(ByteBuffer b) throws DecodeException {
    long oid = uint32(b);
    char kind = (char) (b.get() & 0xFF);
    char old = 0;
    if (kind == 'K' || kind == 'O') {
      old = kind;
      tuple(b);
      kind = (char) (b.get() & 0xFF);
    }
    if (kind != 'N') {
      throw new DecodeException("update of relation " + oid + ": expected 'N', 'K' or 'O' but found " + describe(kind));
    }
    return new PgOutputMessage.Update(oid, old, tuple(b));
  }

  private static PgOutputMessage.Delete delete(ByteBuffer b) throws DecodeException {
    long oid = uint32(b);
    char kind = (char) (b.get() & 0xFF);
    if (kind != 'K' && kind != 'O') {
      throw new DecodeException("delete of relation " + oid + ": expected 'K' or 'O' but found " + describe(kind));
    }
    return new PgOutputMessage.Delete(oid, kind, tuple(b));
  }

  private static PgOutputMessage.Truncate truncate(ByteBuffer b) throws DecodeException {
    long n = uint32(b);
    int options = b.get() & 0xFF;
    if ((options & ~3) != 0) {
      throw new DecodeException("truncate: unknown option bits " + options);
    }
    if (n > b.remaining() / 4) {
      throw new DecodeException("truncate names " + n + " relations but carries " + b.remaining() + " bytes");
    }
    List<Long> oids = new ArrayList<>((int) n);
    for (long i = 0; i < n; i++) {
      oids.add(uint32(b));
    }
    return new PgOutputMessage.Truncate(oids, (options & 1) != 0, (options & 2) != 0);
  }

  /** Skips a TupleData after checking its shape; returns its column count. */
  private static int tuple(ByteBuffer b) throws DecodeException {
    int n = uint16(b);
    for (int i = 0; i < n; i++) {
      char kind = (char) (b.get() & 0xFF);
      switch (kind) {
        case 'n', 'u' -> { }
        case 't', 'b' -> {
          int len = b.getInt();
          if (len < 0 || len > b.remaining()) {
            throw new DecodeException("tuple column " + i + " claims " + len + " bytes, " + b.remaining() + " left");
          }
          b.position(b.position() + len);
        }
        default -> throw new DecodeException("tuple column " + i + ": unknown kind " + describe(kind));
      }
    }
    return n;
  }

  private static void expect(ByteBuffer b, char expected, String what) throws DecodeException {
    char found = (char) (b.get() & 0xFF);
    if (found != expected) {
      throw new DecodeException(what + ": expected '" + expected + "' but found " + describe(found));
    }
  }

  private static Lsn lsn(ByteBuffer b) {
    return new Lsn(b.getLong());
  }

  private static Instant time(ByteBuffer b) {
    return PG_EPOCH.plus(b.getLong(), ChronoUnit.MICROS);
  }

  private static long uint32(ByteBuffer b) {
    return Integer.toUnsignedLong(b.getInt());
  }

  private static int uint16(ByteBuffer b) {
    return Short.toUnsignedInt(b.getShort());
  }

  private static String string(ByteBuffer b) throws DecodeException {
    int start = b.position();
    int end = start;
    while (end < b.limit() && b.get(end) != 0) {
      end++;
    }
    if (end == b.limit()) {
      throw new DecodeException("string at offset " + start + " is not NUL-terminated");
    }
    byte[] bytes = new byte[end - start];
    b.get(start, bytes);
    b.position(end + 1);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
