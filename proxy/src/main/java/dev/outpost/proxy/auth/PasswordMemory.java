package dev.outpost.proxy.auth;

import dev.outpost.wire.auth.ScramVerifier;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Passwords the origin accepted recently (passthrough authentication), kept only as salted
 * SCRAM-SHA-256 verifiers and forgotten after a while, so that a client's repeated logins do not
 * each cost a round trip to the origin. Thread-safe.
 */
public final class PasswordMemory {
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Entry(ScramVerifier verifier, long expiresNanos) {}

  private final Map<String, Entry> verified = new ConcurrentHashMap<>();
  private final long ttlNanos;
  private final LongSupplier clock;

  public PasswordMemory(Duration ttl) {
    this(ttl, System::nanoTime);
  }

  PasswordMemory(Duration ttl, LongSupplier clock) {
    this.ttlNanos = ttl.toNanos();
    this.clock = clock;
  }

  /** True when the origin accepted exactly this password for {@code user} within the time to live. */
  public boolean verifiedRecently(String user, String password) {
    Entry e = verified.get(user);
    if (e == null || clock.getAsLong() - e.expiresNanos() > 0) {
      return false;
    }
    ScramVerifier candidate = ScramVerifier.fromPassword(password, e.verifier().salt(), e.verifier().iterations());
    return candidate.equals(e.verifier());
  }

  /** Remembers that the origin accepted {@code password} for {@code user}. */
  public void remember(String user, String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    verified.put(user, new Entry(ScramVerifier.fromPassword(password, salt, ScramVerifier.DEFAULT_ITERATIONS),
        clock.getAsLong() + ttlNanos));
  }

  /** Forgets {@code user} (e.g. its password was refused by the origin since). */
  public void forget(String user) {
    verified.remove(user);
  }
}
