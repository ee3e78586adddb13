package dev.outpost.wire.codec;

import dev.outpost.wire.PgBuf;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import dev.outpost.wire.frontend.CancelRequest;
import dev.outpost.wire.frontend.GssEncRequest;
import dev.outpost.wire.frontend.SslRequest;
import dev.outpost.wire.frontend.StartupMessage;
import dev.outpost.wire.frontend.StartupPacket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the untyped packets that open a connection: SSLRequest, GSSENCRequest, CancelRequest
 * and StartupMessage, one per decode call (so that the session can switch on TLS before the next
 * packet is read). The session replaces this decoder with a {@link FrameDecoder} once the
 * StartupMessage has arrived.
 *
 * <p>Malformed packets raise a {@link PgWireException} with SQLSTATE 08P01; a protocol major
 * version other than 3 raises 0A000. Either way the rest of the input is discarded.
 */
public final class StartupDecoder extends ByteToMessageDecoder {
  private boolean failed;

  public StartupDecoder() {
    setSingleDecode(true);
  }

  /** Bytes received but not yet decoded; non-zero right after an SSLRequest means a misbehaving client. */
  public int bufferedBytes() {
    return actualReadableBytes();
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < 4) {
      return;
    }
    int length = in.getInt(in.readerIndex());
    if (length < 8 || length > StartupPacket.MAX_LENGTH) {
      throw fail(in, Sqlstate.PROTOCOL_VIOLATION, "invalid length of startup packet: " + length
          + " (allowed 8 to " + StartupPacket.MAX_LENGTH + ")");
    }
    if (in.readableBytes() < length) {
      return;
    }
    ByteBuf packet = in.readSlice(length);
    packet.skipBytes(4);
    int code = packet.readInt();
    try {
      out.add(decodePacket(code, packet, length));
    } catch (PgWireException e) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw e;
    }
  }

  private static StartupPacket decodePacket(int code, ByteBuf packet, int length) {
    switch (code) {
      case StartupPacket.SSL_REQUEST_CODE:
        requireLength(length == 8, "SSLRequest");
        return SslRequest.INSTANCE;
      case StartupPacket.GSSENC_REQUEST_CODE:
        requireLength(length == 8, "GSSENCRequest");
        return GssEncRequest.INSTANCE;
      case StartupPacket.CANCEL_REQUEST_CODE: {
        requireLength(length >= 16 && length <= 12 + 256, "CancelRequest");
        int pid = packet.readInt();
        byte[] secret = new byte[packet.readableBytes()];
        packet.readBytes(secret);
        return new CancelRequest(pid, secret);
      }
      default:
        return decodeStartupMessage(code, packet);
    }
  }

  private static StartupMessage decodeStartupMessage(int code, ByteBuf packet) {
    int major = code >>> 16;
    int minor = code & 0xFFFF;
    if (major != 3) {
      throw new PgWireException(Sqlstate.FEATURE_NOT_SUPPORTED,
          "unsupported frontend protocol " + major + "." + minor + ": Outpost supports 3.0 to 3.2",
          null, "upgrade the client library to one that speaks protocol 3", true);
    }
    Map<String, String> params = new LinkedHashMap<>();
    while (true) {
      if (!packet.isReadable()) {
        throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION,
            "invalid startup packet layout: expected terminator as last byte", null, null, true);
      }
      String name = PgBuf.readCString(packet);
      if (name.isEmpty()) {
        break;
      }
      params.put(name, PgBuf.readCString(packet));
    }
    if (packet.isReadable()) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION,
          "invalid startup packet layout: bytes after the terminator", null, null, true);
    }
    if (params.get("user") == null || params.get("user").isEmpty()) {
      throw new PgWireException(Sqlstate.INVALID_AUTHORIZATION_SPECIFICATION,
          "no PostgreSQL user name specified in startup packet", null, null, true);
    }
    return new StartupMessage(major, minor, params);
  }

  private static void requireLength(boolean ok, String what) {
    if (!ok) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid length of " + what, null, null, true);
    }
  }

  private PgWireException fail(ByteBuf in, Sqlstate state, String message) {
    failed = true;
    in.skipBytes(in.readableBytes());
    return new PgWireException(state, message, null, null, true);
  }
}
