package dev.outpost.proxy.server;

import dev.outpost.proxy.auth.User;
import dev.outpost.proxy.auth.UserDirectory;
import dev.outpost.proxy.cache.CachePolicy;
import dev.outpost.proxy.cache.CacheRule;
import dev.outpost.proxy.config.CacheSettings;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.config.UserEntry;
import dev.outpost.proxy.origin.OriginSocketSettings;
import dev.outpost.wire.auth.ScramVerifier;
import java.util.ArrayList;
import java.util.List;

/**
 * The configuration's cache settings, users and origin socket settings in the forms the node
 * works with. Used at start and on every reload.
 */
public final class NodeSettings {
  private NodeSettings() {}

  /** The cache policy of {@code s}. */
  public static CachePolicy cachePolicy(CacheSettings s) {
    List<CacheRule> rules = new ArrayList<>();
    for (dev.outpost.proxy.config.CacheRule r : s.rules()) {
      rules.add(new CacheRule(r.table().toString(), r.enabled(), r.maxAge(), r.staleWhileRevalidate()));
    }
    return new CachePolicy(s.enabled(), s.maxAge(), s.staleWhileRevalidate(), s.maxBytes(), s.maxEntrySize(), rules);
  }

  /** How origin connections are opened and watched (connect timeout, keepalive, user timeout). */
  public static OriginSocketSettings originSockets(ProxyConfig c) {
    return new OriginSocketSettings(c.connectTimeout(), c.originKeepalive(), c.originTcpUserTimeout());
  }

  /**
   * The users of the configuration; without a {@code users:} list, the origin URL's user with its
   * password (DESIGN §10.1).
   */
  public static UserDirectory users(ProxyConfig config) {
    if (config.users().isEmpty()) {
      OriginUrl o = config.origin();
      String password = o.password() == null ? "" : o.password();
      return new UserDirectory(List.of(User.withPassword(o.user(), password, java.util.Set.of(), o.user(),
          o.password())));
    }
    return users(config.users(), config.origin());
  }

  static UserDirectory users(List<UserEntry> entries, OriginUrl origin) {
    List<User> users = new ArrayList<>();
    for (UserEntry e : entries) {
      String originUser = e.originUserOr(origin);
      String originPassword = e.originPasswordOr(origin);
      users.add(e.password() != null
          ? User.withPassword(e.name(), e.password(), e.databases(), originUser, originPassword)
          // A verifier alone cannot answer MD5; the config rejects md5 with verifier-only users.
          : new User(e.name(), ScramVerifier.parse(e.scramVerifier()), null, e.databases(), originUser,
              originPassword));
    }
    return new UserDirectory(users);
  }
}
