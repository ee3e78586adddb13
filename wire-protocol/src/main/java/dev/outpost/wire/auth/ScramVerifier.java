package dev.outpost.wire.auth;

import java.security.MessageDigest;
import java.util.Objects;

/**
 * A stored SCRAM-SHA-256 secret in Postgres' format:
 * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>} (Base64 parts). It lets
 * Outpost check a client's proof without knowing the password.
 */
public record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
  /** Iterations Postgres uses by default ({@code scram_iterations}). */
  public static final int DEFAULT_ITERATIONS = 4096;

  public ScramVerifier {
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be positive");
    }
    salt = salt.clone();
    storedKey = storedKey.clone();
    serverKey = serverKey.clone();
  }

  /** Derives a verifier from a password with a random salt. */
  public static ScramVerifier fromPassword(String password, int iterations) {
    return fromPassword(password, Scram.randomBytes(16), iterations);
  }

  /** Derives a verifier from a password with the given salt. */
  public static ScramVerifier fromPassword(String password, byte[] salt, int iterations) {
    Objects.requireNonNull(password, "password");
    byte[] salted = Scram.saltedPassword(password, salt, iterations);
    byte[] clientKey = Scram.hmac(salted, "Client Key");
    return new ScramVerifier(iterations, salt, Scram.sha256(clientKey), Scram.hmac(salted, "Server Key"));
  }

  /**
   * Parses Postgres' text form.
   *
   * @throws IllegalArgumentException naming what is wrong, without echoing the secret
   */
  public static ScramVerifier parse(String text) {
    if (text == null || !text.startsWith(Scram.MECHANISM + "$")) {
      throw new IllegalArgumentException("not a SCRAM-SHA-256 verifier (expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)");
    }
    String[] parts = text.substring(Scram.MECHANISM.length() + 1).split("\\$");
    if (parts.length != 2) {
      throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: expected two $-separated parts");
    }
    String[] iterSalt = parts[0].split(":");
    String[] keys = parts[1].split(":");
    if (iterSalt.length != 2 || keys.length != 2) {
      throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: expected iterations:salt$StoredKey:ServerKey");
    }
    try {
      return new ScramVerifier(Integer.parseInt(iterSalt[0]), Scram.unb64(iterSalt[1]),
          Scram.unb64(keys[0]), Scram.unb64(keys[1]));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed SCRAM-SHA-256 verifier: bad number or Base64", e);
    }
  }

  /** True when {@code text} looks like a SCRAM verifier rather than a plain password. */
  public static boolean looksLikeVerifier(String text) {
    return text != null && text.startsWith(Scram.MECHANISM + "$");
  }

  /** Postgres' text form. */
  public String format() {
    return Scram.MECHANISM + "$" + iterations + ":" + Scram.b64(salt) + "$" + Scram.b64(storedKey) + ":"
        + Scram.b64(serverKey);
  }

  @Override
  public byte[] salt() {
    return salt.clone();
  }

  @Override
  public byte[] storedKey() {
    return storedKey.clone();
  }

  @Override
  public byte[] serverKey() {
    return serverKey.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScramVerifier v && iterations == v.iterations && MessageDigest.isEqual(salt, v.salt)
        && MessageDigest.isEqual(storedKey, v.storedKey) && MessageDigest.isEqual(serverKey, v.serverKey);
  }

  @Override
  public int hashCode() {
    return Integer.hashCode(iterations) * 31 + java.util.Arrays.hashCode(storedKey);
  }

  @Override
  public String toString() {
    return "ScramVerifier[***]";
  }
}
