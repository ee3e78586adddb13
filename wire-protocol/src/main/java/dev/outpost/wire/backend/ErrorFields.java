package dev.outpost.wire.backend;

import dev.outpost.wire.PgBuf;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of an ErrorResponse or NoticeResponse, keyed by their one-byte codes ({@code S}
 * severity, {@code V} non-localized severity, {@code C} SQLSTATE, {@code M} message, {@code D}
 * detail, {@code H} hint, …).
 *
 * <pre>(Byte1 code, String value)*, Byte1 0</pre>
 */
public record ErrorFields(Map<Character, String> fields) {
  public ErrorFields {
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** Fields for an error or notice produced by Outpost. */
  public static ErrorFields of(String severity, Sqlstate sqlstate, String message, String detail, String hint) {
    Map<Character, String> f = new LinkedHashMap<>();
    f.put('S', severity);
    f.put('V', severity);
    f.put('C', sqlstate.code());
    f.put('M', message);
    if (detail != null) {
      f.put('D', detail);
    }
    if (hint != null) {
      f.put('H', hint);
    }
    return new ErrorFields(f);
  }

  public static ErrorFields decode(ByteBuf body) {
    Map<Character, String> f = new LinkedHashMap<>();
    while (body.isReadable()) {
      byte code = body.readByte();
      if (code == 0) {
        break;
      }
      f.put((char) code, PgBuf.readCString(body));
    }
    return new ErrorFields(f);
  }

  public String severity() {
    String v = fields.get('V');
    return v != null ? v : fields.get('S');
  }

  public String sqlstate() {
    return fields.get('C');
  }

  public String message() {
    return fields.get('M');
  }

  /** True for FATAL and PANIC, after which the server closes the connection. */
  public boolean isFatal() {
    String s = severity();
    return "FATAL".equals(s) || "PANIC".equals(s);
  }

  void encodeBody(ByteBuf out) {
    for (Map.Entry<Character, String> e : fields.entrySet()) {
      out.writeByte(e.getKey());
      PgBuf.writeCString(out, e.getValue());
    }
    out.writeByte(0);
  }

  @Override
  public String toString() {
    return severity() + " " + sqlstate() + " " + message();
  }
}
