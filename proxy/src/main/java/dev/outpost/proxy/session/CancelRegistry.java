package dev.outpost.proxy.session;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Maps the BackendKeyData that Outpost gives each client to the client's session, so that a
 * CancelRequest arriving on a new connection reaches whichever origin backend serves the client
 * at that moment (DESIGN §4).
 */
public final class CancelRegistry {
  private final SecureRandom random = new SecureRandom();
  private final AtomicInteger nextId = new AtomicInteger(random.nextInt(1 << 20) + 1);
  private final Map<Integer, Entry> sessions = new ConcurrentHashMap<>();

  private record Entry(byte[] secret, ClientSession session) {}

  /** A cancelable session's key. */
  public record Key(int processId, byte[] secret) {}

  /** Bytes of a cancel secret under protocol 3.0. */
  static final int SHORT_SECRET = 4;
  /** Bytes of a cancel secret under protocol 3.2, as Postgres 18 sends (256 bits). */
  static final int LONG_SECRET = 32;

  /** Registers a session and returns the key to send it in BackendKeyData, with a secret of {@code secretLength} bytes. */
  Key register(ClientSession session, int secretLength) {
    int id;
    do {
      id = nextId.getAndIncrement() & 0x7fffffff;
    } while (id == 0 || sessions.containsKey(id));
    byte[] secret = new byte[secretLength];
    random.nextBytes(secret);
    sessions.put(id, new Entry(secret, session));
    return new Key(id, secret);
  }

  void unregister(int processId) {
    sessions.remove(processId);
  }

  /** The session with this key, or null (wrong secrets are treated like unknown ids). */
  ClientSession find(int processId, byte[] secret) {
    Entry e = sessions.get(processId);
    if (e == null || !MessageDigest.isEqual(e.secret, secret)) {
      return null;
    }
    return e.session;
  }

  public int size() {
    return sessions.size();
  }
}
