package dev.outpost.proxy.config;

import dev.outpost.wire.auth.ScramVerifier;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of the {@code users:} list: a role that may log in to Outpost, how its password is
 * checked, where it may go, and which credentials Outpost uses towards the origin on its behalf.
 *
 * <p>Guarantees: the name is not blank; exactly one of {@code password} and {@code scramVerifier}
 * is set, and a verifier is well formed; {@code originPassword} is only set together with
 * {@code originUser}. {@link #toString()} never shows a secret.
 *
 * @param name the role name clients log in with
 * @param password the password in clear text (SCRAM and MD5 both work), or null
 * @param scramVerifier Postgres' {@code SCRAM-SHA-256$…} text (SCRAM only), or null
 * @param databases databases the user may connect to; empty means all
 * @param originUser the origin role used for this user's queries, or null for the origin URL's
 * @param originPassword that role's password, or null for the origin URL's
 */
public record UserEntry(String name, String password, String scramVerifier, Set<String> databases,
    String originUser, String originPassword) {

  /** Checks the rules of the class comment, reporting each broken one under {@code users[name]}. */
  public UserEntry {
    Problems p = new Problems();
    p.check(name != null && !name.isBlank(), () -> "users: an entry has no name");
    String where = "users[" + name + "]";
    p.check((password == null) != (scramVerifier == null),
        () -> where + ": give exactly one of password and scram-verifier");
    p.check(password == null || !password.isEmpty(), () -> where + ".password: must not be empty");
    p.check(password == null || !ScramVerifier.looksLikeVerifier(password),
        () -> where + ".password: \"***\" is a SCRAM verifier (allowed: write it as scram-verifier)");
    p.check(scramVerifier == null || validVerifier(scramVerifier), () -> where + ".scram-verifier: \"***\" is not"
        + " a well-formed verifier (allowed: SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>,"
        + " as in pg_authid)");
    p.check(originPassword == null || originUser != null,
        () -> where + ".origin-password: is set but origin-user is not (set both, or neither)");
    Objects.requireNonNull(databases, "databases");
    for (String db : databases) {
      p.check(db != null && !db.isBlank(), () -> where + ".databases: a database name is blank");
    }
    p.throwIfAny();
    databases = Collections.unmodifiableSet(new LinkedHashSet<>(databases));
  }

  /** A user with a clear-text password, all databases, and the origin URL's credentials. */
  public static UserEntry withPassword(String name, String password) {
    return new UserEntry(name, password, null, Set.of(), null, null);
  }

  static boolean validVerifier(String text) {
    try {
      ScramVerifier.parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The parsed SCRAM verifier: the configured one, or one derived from the password. */
  public ScramVerifier verifier() {
    return scramVerifier != null ? ScramVerifier.parse(scramVerifier)
        : ScramVerifier.fromPassword(password, ScramVerifier.DEFAULT_ITERATIONS);
  }

  /** True when the user may connect to {@code database}. */
  public boolean mayUse(String database) {
    return databases.isEmpty() || databases.contains(database);
  }

  /** The origin role for this user: its own, or the origin URL's. */
  public String originUserOr(OriginUrl origin) {
    return originUser != null ? originUser : origin.user();
  }

  /** The origin password for this user: its own (with its own role), or the origin URL's. */
  public String originPasswordOr(OriginUrl origin) {
    return originUser != null ? originPassword : origin.password();
  }

  /** A one-line description with secrets masked, for {@code SHOW CONFIG}. */
  public String describe() {
    StringBuilder b = new StringBuilder(name).append(password != null ? " (password ***" : " (scram-verifier ***");
    if (!databases.isEmpty()) {
      b.append(", databases ").append(String.join("|", databases));
    }
    if (originUser != null) {
      b.append(", origin-user ").append(originUser);
      if (originPassword != null) {
        b.append(", origin-password ***");
      }
    }
    return b.append(')').toString();
  }

  @Override
  public String toString() {
    return "UserEntry[" + describe() + "]";
  }
}
