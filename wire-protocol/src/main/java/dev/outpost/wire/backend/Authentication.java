package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import dev.outpost.wire.PgBuf;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * The Authentication* family.
 *
 * <pre>'R' int32 len, int32 code, ... (0 Ok, 3 Cleartext, 5 MD5 + 4-byte salt,
 *                                   10 SASL + mechanism list, 11 SASLContinue, 12 SASLFinal)</pre>
 */
public sealed interface Authentication extends BackendMessage {
  int OK = 0;
  int CLEARTEXT = 3;
  int MD5 = 5;
  int SASL = 10;
  int SASL_CONTINUE = 11;
  int SASL_FINAL = 12;

  /** Decodes the body of an {@code 'R'} message. */
  static Authentication decode(ByteBuf body) {
    if (body.readableBytes() < 4) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid authentication message: too short");
    }
    int code = body.readInt();
    switch (code) {
      case OK:
        return Ok.INSTANCE;
      case CLEARTEXT:
        return CleartextPassword.INSTANCE;
      case MD5: {
        byte[] salt = new byte[4];
        body.readBytes(salt);
        return new Md5Password(salt);
      }
      case SASL: {
        List<String> mechanisms = new ArrayList<>();
        while (body.isReadable()) {
          String m = PgBuf.readCString(body);
          if (m.isEmpty()) {
            break;
          }
          mechanisms.add(m);
        }
        return new Sasl(mechanisms);
      }
      case SASL_CONTINUE:
        return new SaslContinue(PgBuf.toBytes(body));
      case SASL_FINAL:
        return new SaslFinal(PgBuf.toBytes(body));
      default:
        throw new PgWireException(Sqlstate.FEATURE_NOT_SUPPORTED,
            "the origin asked for authentication method " + code + ", which Outpost does not support;"
                + " use scram-sha-256, md5 or password in the origin's pg_hba.conf");
    }
  }

  private static void header(ByteBuf out, int bodyLength, int code) {
    out.writeByte(BackendType.AUTHENTICATION.code());
    out.writeInt(4 + 4 + bodyLength);
    out.writeInt(code);
  }

  /** AuthenticationOk. */
  enum Ok implements Authentication {
    INSTANCE;

    @Override
    public void encodeTo(ByteBuf out) {
      header(out, 0, OK);
    }
  }

  /** AuthenticationCleartextPassword. */
  enum CleartextPassword implements Authentication {
    INSTANCE;

    @Override
    public void encodeTo(ByteBuf out) {
      header(out, 0, CLEARTEXT);
    }
  }

  /** AuthenticationMD5Password with its 4-byte salt. */
  record Md5Password(byte[] salt) implements Authentication {
    public Md5Password {
      if (salt.length != 4) {
        throw new IllegalArgumentException("MD5 salt must be 4 bytes");
      }
      salt = salt.clone();
    }

    @Override
    public byte[] salt() {
      return salt.clone();
    }

    @Override
    public void encodeTo(ByteBuf out) {
      header(out, 4, MD5);
      out.writeBytes(salt);
    }
  }

  /** AuthenticationSASL with the mechanisms the server offers. */
  record Sasl(List<String> mechanisms) implements Authentication {
    public Sasl {
      mechanisms = List.copyOf(mechanisms);
    }

    @Override
    public void encodeTo(ByteBuf out) {
      int start = out.writerIndex();
      header(out, 0, SASL);
      for (String m : mechanisms) {
        PgBuf.writeCString(out, m);
      }
      out.writeByte(0);
      out.setInt(start + 1, out.writerIndex() - start - 1);
    }
  }

  /** AuthenticationSASLContinue carrying the server-first message. */
  record SaslContinue(byte[] data) implements Authentication {
    public SaslContinue {
      data = data.clone();
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    @Override
    public void encodeTo(ByteBuf out) {
      header(out, data.length, SASL_CONTINUE);
      out.writeBytes(data);
    }
  }

  /** AuthenticationSASLFinal carrying the server-final message. */
  record SaslFinal(byte[] data) implements Authentication {
    public SaslFinal {
      data = data.clone();
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    @Override
    public void encodeTo(ByteBuf out) {
      header(out, data.length, SASL_FINAL);
      out.writeBytes(data);
    }
  }
}
