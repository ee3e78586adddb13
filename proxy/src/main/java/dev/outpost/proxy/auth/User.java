package dev.outpost.proxy.auth;

import dev.outpost.wire.auth.Md5Password;
import dev.outpost.wire.auth.ScramVerifier;
import java.util.Objects;
import java.util.Set;

/**
 * A role that may log in to Outpost: how its password is checked (a SCRAM verifier, and the
 * password itself when MD5 must work too), which databases it may use (empty = all), and the
 * credentials Outpost uses towards the origin on its behalf. {@link #toString()} hides secrets.
 */
public record User(String name, ScramVerifier scram, String md5Stored, Set<String> databases,
    String originUser, String originPassword) {

  public User {
    Objects.requireNonNull(name, "name");
    databases = Set.copyOf(databases);
    Objects.requireNonNull(originUser, "originUser");
  }

  /** A user whose password is known; SCRAM and MD5 both work. */
  public static User withPassword(String name, String password, Set<String> databases, String originUser,
      String originPassword) {
    return new User(name, ScramVerifier.fromPassword(password, ScramVerifier.DEFAULT_ITERATIONS),
        Md5Password.stored(name, password), databases, originUser, originPassword);
  }

  /**
   * A passthrough user: the origin checked the password; the user may use any database the
   * origin lets it use, and Outpost logs in to the origin as that role with that password.
   */
  public static User passthrough(String name, String password) {
    return new User(name, null, null, Set.of(), name, password);
  }

  /** True when the user may connect to {@code database}. */
  public boolean mayUse(String database) {
    return databases.isEmpty() || databases.contains(database);
  }

  @Override
  public String toString() {
    return "User[" + name + "]";
  }
}
