package dev.outpost.proxy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A protocol client on a raw socket, for sending what no driver would. */
final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;

  RawClient(int port) throws IOException {
    this(new Socket("127.0.0.1", port));
  }

  /** Channel-binding data for SCRAM-SHA-256-PLUS at the next login, or null for plain SCRAM. */
  private byte[] scramBinding;

  /** Logs in with SCRAM-SHA-256-PLUS bound to {@code data} (as if the server's certificate hashed to it). */
  void bindScramTo(byte[] data) {
    this.scramBinding = data;
  }

  /** Over a socket already connected (a TLS socket, for one). */
  RawClient(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(10_000);
    out = socket.getOutputStream();
    in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 65536));
  }

  /** A backend message as read. */
  record Message(char type, byte[] body) {
    /**
     * The type, and for CommandComplete its tag, for ErrorResponse its SQLSTATE, for DataRow its
     * first value ("C:SELECT 1", "E:42P01", "D:1"), to compare what two servers answered.
     */
    String summary() {
      return switch (type) {
        case 'C' -> "C:" + new String(body, 0, body.length - 1, StandardCharsets.UTF_8);
        case 'E' -> "E:" + field('C');
        case 'D' -> {
          ByteBuffer b = ByteBuffer.wrap(body);
          b.getShort();
          int len = b.getInt();
          yield "D:" + (len < 0 ? "null" : new String(body, b.position(), len, StandardCharsets.UTF_8));
        }
        default -> String.valueOf(type);
      };
    }

    /** The SQLSTATE of an ErrorResponse or NoticeResponse. */
    String field(char code) {
      int i = 0;
      while (i < body.length && body[i] != 0) {
        char c = (char) body[i++];
        int end = i;
        while (body[end] != 0) {
          end++;
        }
        String value = new String(body, i, end - i, StandardCharsets.UTF_8);
        if (c == code) {
          return value;
        }
        i = end + 1;
      }
      return null;
    }
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  static byte[] startup(int major, int minor, Map<String, String> params) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (Map.Entry<String, String> e : params.entrySet()) {
      b.writeBytes(e.getKey().getBytes(StandardCharsets.UTF_8));
      b.write(0);
      b.writeBytes(e.getValue().getBytes(StandardCharsets.UTF_8));
      b.write(0);
    }
    b.write(0);
    byte[] payload = b.toByteArray();
    return ByteBuffer.allocate(8 + payload.length).putInt(8 + payload.length).putShort((short) major)
        .putShort((short) minor).put(payload).array();
  }

  static byte[] message(char type, byte[] body) {
    return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
  }

  static byte[] query(String sql) {
    byte[] s = sql.getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[s.length + 1];
    System.arraycopy(s, 0, body, 0, s.length);
    return message('Q', body);
  }

  /** Reads one message; null at end of stream. */
  Message read() throws IOException {
    int type;
    try {
      type = in.read();
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no answer from Outpost within 10 s", e);
    }
    if (type < 0) {
      return null;
    }
    int len = in.readInt();
    byte[] body = new byte[len - 4];
    in.readFully(body);
    return new Message((char) type, body);
  }

  /** Reads until end of stream and returns all messages. */
  List<Message> readAll() throws IOException {
    List<Message> all = new ArrayList<>();
    try {
      Message m;
      while ((m = read()) != null) {
        all.add(m);
      }
    } catch (EOFException | java.net.SocketException e) {
      // connection closed mid-message or reset: what was read is the answer
    }
    return all;
  }

  /**
   * Logs in as {@code user} (SCRAM-SHA-256, MD5, cleartext or trust, whatever the server asks for)
   * and reads up to the first ReadyForQuery.
   */
  List<Message> login(String user, String password, String database) throws IOException {
    return login(user, password, database, 0);
  }

  /** {@link #login(String, String, String)} asking for protocol 3.{@code minor}. */
  List<Message> login(String user, String password, String database, int minor) throws IOException {
    Map<String, String> p = new java.util.LinkedHashMap<>();
    p.put("user", user);
    p.put("database", database);
    p.put("client_encoding", "UTF8");
    send(startup(3, minor, p));
    dev.outpost.wire.auth.ScramClient scram = null;
    List<Message> all = new ArrayList<>();
    while (true) {
      Message m = read();
      if (m == null) {
        throw new EOFException("closed during login: " + all);
      }
      all.add(m);
      if (m.type() == 'E') {
        throw new IOException("login failed: " + m.field('M'));
      }
      if (m.type() == 'Z') {
        return all;
      }
      if (m.type() != 'R') {
        continue;
      }
      ByteBuffer b = ByteBuffer.wrap(m.body());
      int code = b.getInt();
      byte[] rest = new byte[b.remaining()];
      b.get(rest);
      try {
        switch (code) {
          case 3:
            send(message('p', (password + "\0").getBytes(StandardCharsets.UTF_8)));
            break;
          case 5:
            send(message('p', (dev.outpost.wire.auth.Md5Password.response(user, password, rest) + "\0")
                .getBytes(StandardCharsets.UTF_8)));
            break;
          case 10: {
            scram = scramBinding == null ? new dev.outpost.wire.auth.ScramClient(password)
                : new dev.outpost.wire.auth.ScramClient(password, scramBinding, true);
            byte[] first = scram.clientFirst();
            byte[] mech = (scram.mechanism() + "\0").getBytes(StandardCharsets.UTF_8);
            send(message('p', ByteBuffer.allocate(mech.length + 4 + first.length).put(mech).putInt(first.length)
                .put(first).array()));
            break;
          }
          case 11:
            send(message('p', scram.serverFirst(rest)));
            break;
          case 12:
            scram.serverFinal(rest);
            break;
          default:
            break;
        }
      } catch (dev.outpost.wire.auth.AuthenticationFailedException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
  }

  /** Reads until ReadyForQuery, returning everything read (including it). */
  List<Message> readUntilReady() throws IOException {
    List<Message> all = new ArrayList<>();
    Message m;
    while ((m = read()) != null) {
      all.add(m);
      if (m.type() == 'Z') {
        return all;
      }
    }
    throw new EOFException("closed before ReadyForQuery: " + all);
  }

  /** True when the server closed the connection (reads hit end of stream). */
  boolean closedByServer() throws IOException {
    try {
      InputStream raw = socket.getInputStream();
      return raw.read() < 0;
    } catch (java.net.SocketException e) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
