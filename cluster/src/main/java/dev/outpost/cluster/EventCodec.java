package dev.outpost.cluster;

import dev.outpost.cache.CacheEvent;
import dev.outpost.cache.CacheKey;
import dev.outpost.cache.CachedResult;
import dev.outpost.cache.Dependencies;
import dev.outpost.cache.Freshness;
import dev.outpost.cache.QueryProtocol;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The binary form of each {@link CacheEvent}'s fields (DESIGN §7), written inside a cluster frame
 * (see {@link Frames}, which carries the version byte). Every field of every event is written
 * explicitly; nothing relies on Java serialization.
 *
 * <pre>
 * Fill         := key result sequenceAtStart:i64 originNode:str
 * key          := database:str role:str settings:str statement:str protocol:u8
 *                 n:i32 paramType:i32*n  n:i32 paramFormat:i16*n
 *                 n:i32 (len:i32 bytes | -1)*n  n:i32 resultFormat:i16*n  rowLimit:i32
 * result       := rowDescription:bytes? parameterDescription:bytes? rowsAndCompletion:bytes
 *                 rowCount:i64 allTables:bool n:i32 table:str*n
 *                 ageNanos:i64 maxAgeNanos:i64 swrNanos:i64
 * Invalidation := database:str allTables:bool schemaChanged:bool n:i32 table:str*n originNode:str id:i64
 * Flush        := originNode:str
 * </pre>
 *
 * <p>A result's creation time is only meaningful on the node's own clock, so a fill carries its
 * age at encoding and the receiver rebases it on its own clock ({@link CachedResult#withCreatedAt}).
 * The time spent in transit is not added: milliseconds against a freshness of seconds.
 */
final class EventCodec {

  private static final QueryProtocol[] PROTOCOLS = QueryProtocol.values();

  private EventCodec() {}

  static void writeFill(FrameWriter w, CacheEvent.Fill fill, long nowNanos) {
    writeKey(w, fill.key());
    CachedResult r = fill.result();
    w.writeBuffer(r.rowDescription().orElse(null));
    w.writeBuffer(r.parameterDescription().orElse(null));
    w.writeBuffer(r.rowsAndCompletion());
    w.writeLong(r.rowCount());
    w.writeBoolean(r.dependencies().allTables());
    writeNames(w, r.dependencies().tables());
    w.writeLong(Math.max(0, nowNanos - r.createdAtNanos()));
    w.writeLong(r.freshness().maxAgeNanos());
    w.writeLong(nanos(r.freshness().staleWhileRevalidate()));
    w.writeLong(fill.sequenceAtStart());
    w.writeString(fill.originNode());
  }

  static CacheEvent.Fill readFill(FrameReader in, long nowNanos) throws MalformedFrameException {
    CacheKey key = readKey(in);
    byte[] rowDescription = in.readBytes();
    byte[] parameterDescription = in.readBytes();
    byte[] rows = in.readBytes();
    if (rows == null) {
      throw new MalformedFrameException("fill without rows");
    }
    long rowCount = in.readLong();
    boolean allTables = in.readBoolean();
    Set<String> tables = readNames(in);
    long age = in.readLong();
    long maxAge = in.readLong();
    long swr = in.readLong();
    long sequenceAtStart = in.readLong();
    String originNode = in.readString();
    if (age < 0 || maxAge < 0 || swr < 0 || rowCount < 0) {
      throw new MalformedFrameException("negative age, freshness or row count in a fill");
    }
    try {
      CachedResult result = CachedResult.builder(rows)
          .rowDescription(rowDescription)
          .parameterDescription(parameterDescription)
          .rowCount(rowCount)
          .dependencies(new Dependencies(allTables, tables))
          .freshness(new Freshness(Duration.ofNanos(maxAge), Duration.ofNanos(swr)))
          .createdAtNanos(nowNanos - age)
          .build();
      return new CacheEvent.Fill(key, result, sequenceAtStart, originNode);
    } catch (IllegalArgumentException e) {
      throw new MalformedFrameException("fill fields rejected: " + e.getMessage());
    }
  }

  static void writeInvalidation(FrameWriter w, CacheEvent.Invalidation inv) {
    w.writeString(inv.database());
    w.writeBoolean(inv.allTables());
    w.writeBoolean(inv.schemaChanged());
    writeNames(w, inv.tables());
    w.writeString(inv.originNode());
    w.writeLong(inv.id());
  }

  static CacheEvent.Invalidation readInvalidation(FrameReader in) throws MalformedFrameException {
    String database = in.readString();
    boolean allTables = in.readBoolean();
    boolean schemaChanged = in.readBoolean();
    Set<String> tables = readNames(in);
    String originNode = in.readString();
    long id = in.readLong();
    try {
      return new CacheEvent.Invalidation(database, tables, allTables, schemaChanged, originNode, id);
    } catch (IllegalArgumentException e) {
      throw new MalformedFrameException("invalidation fields rejected: " + e.getMessage());
    }
  }

  static void writeFlush(FrameWriter w, CacheEvent.Flush flush) {
    w.writeString(flush.originNode());
  }

  static CacheEvent.Flush readFlush(FrameReader in) throws MalformedFrameException {
    return new CacheEvent.Flush(in.readString());
  }

  private static void writeKey(FrameWriter w, CacheKey k) {
    w.writeString(k.database());
    w.writeString(k.role());
    w.writeString(k.settings());
    w.writeString(k.statement());
    w.writeByte(k.protocol().ordinal());
    int[] types = k.parameterTypes();
    w.writeInt(types.length);
    for (int t : types) {
      w.writeInt(t);
    }
    writeShorts(w, k.parameterFormats());
    w.writeInt(k.parameterCount());
    for (int i = 0; i < k.parameterCount(); i++) {
      w.writeBytes(k.parameterValue(i));
    }
    writeShorts(w, k.resultFormats());
    w.writeInt(k.rowLimit());
  }

  private static CacheKey readKey(FrameReader in) throws MalformedFrameException {
    String database = in.readString();
    String role = in.readString();
    String settings = in.readString();
    String statement = in.readString();
    int protocol = in.readByte();
    if (protocol >= PROTOCOLS.length) {
      throw new MalformedFrameException("unknown query protocol " + protocol);
    }
    int[] types = new int[in.readCount(4)];
    for (int i = 0; i < types.length; i++) {
      types[i] = in.readInt();
    }
    short[] formats = readShorts(in);
    byte[][] values = new byte[in.readCount(4)][];
    for (int i = 0; i < values.length; i++) {
      values[i] = in.readBytes();
    }
    short[] resultFormats = readShorts(in);
    int rowLimit = in.readInt();
    if (rowLimit < 0) {
      throw new MalformedFrameException("negative row limit " + rowLimit);
    }
    return CacheKey.builder(database, role, statement)
        .canonicalSettings(settings)
        .protocol(PROTOCOLS[protocol])
        .parameterTypes(types)
        .parameterFormats(formats)
        .parameterValues(values)
        .resultFormats(resultFormats)
        .rowLimit(rowLimit)
        .build();
  }

  private static void writeShorts(FrameWriter w, short[] values) {
    w.writeInt(values.length);
    for (short s : values) {
      w.writeShort(s);
    }
  }

  private static short[] readShorts(FrameReader in) throws MalformedFrameException {
    short[] out = new short[in.readCount(2)];
    for (int i = 0; i < out.length; i++) {
      out[i] = in.readShort();
    }
    return out;
  }

  private static void writeNames(FrameWriter w, Set<String> names) {
    w.writeInt(names.size());
    for (String n : names) {
      w.writeString(n);
    }
  }

  private static Set<String> readNames(FrameReader in) throws MalformedFrameException {
    int n = in.readCount(4);
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < n; i++) {
      String name = in.readString();
      if (name.isEmpty()) {
        throw new MalformedFrameException("empty table name");
      }
      out.add(name);
    }
    return out;
  }

  private static long nanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException overflow) {
      return Long.MAX_VALUE;
    }
  }
}
