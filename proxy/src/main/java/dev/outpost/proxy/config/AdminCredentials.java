package dev.outpost.proxy.config;

import dev.outpost.wire.auth.ScramVerifier;

/**
 * Who may use the admin console on the virtual database {@code outpost} (DESIGN §10.2):
 * {@code admin-user} and {@code admin-password}. The password may be given as a plain password or
 * as a Postgres SCRAM-SHA-256 verifier ({@code SCRAM-SHA-256$4096:…}).
 *
 * <p>Guarantees: either both are absent ({@link #NONE}: the console refuses everyone) or the user
 * is a non-blank name and the password is non-empty (and a well-formed verifier when it looks like
 * one). {@link #toString()} never shows the password.
 *
 * @param user the admin user, or null when the console is off
 * @param password its password or SCRAM verifier, or null when the console is off
 */
public record AdminCredentials(String user, String password) {

  /** No admin user: the console is off. */
  public static final AdminCredentials NONE = new AdminCredentials(null, null);

  /** Checks the pairing and the verifier's form; see the class comment. */
  public AdminCredentials {
    Problems p = new Problems();
    if (user == null) {
      p.check(password == null, () -> "admin-password: is set but admin-user is not (set both, or neither)");
    } else {
      p.check(!user.isBlank(), () -> "admin-user: must not be blank");
      p.check(password != null && !password.isEmpty(),
          () -> "admin-password: missing (required when admin-user is set)");
      if (password != null && ScramVerifier.looksLikeVerifier(password)) {
        p.check(UserEntry.validVerifier(password), () -> "admin-password: \"***\" is not a well-formed verifier"
            + " (allowed: a password, or SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)");
      }
    }
    p.throwIfAny();
  }

  /** True when an admin user is configured. */
  public boolean enabled() {
    return user != null;
  }

  /** True when the password is a SCRAM verifier (then MD5 cannot check it). */
  public boolean passwordIsVerifier() {
    return ScramVerifier.looksLikeVerifier(password);
  }

  @Override
  public String toString() {
    return user == null ? "AdminCredentials[none]" : "AdminCredentials[" + user + ", ***]";
  }
}
