package dev.outpost.proxy.auth;

import java.util.Collection;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The users Outpost knows, by name. Immutable; a reload builds a new directory. */
public final class UserDirectory {
  private final Map<String, User> users;

  public UserDirectory(Collection<User> users) {
    this.users = users.stream().collect(Collectors.toUnmodifiableMap(User::name, Function.identity()));
  }

  /** The user, or null when unknown. */
  public User find(String name) {
    return users.get(name);
  }

  public Collection<User> all() {
    return users.values();
  }
}
