package dev.outpost.proxy.cli;

import dev.outpost.proxy.auth.User;
import dev.outpost.proxy.auth.UserDirectory;
import dev.outpost.proxy.cache.CachePolicy;
import dev.outpost.proxy.cache.CacheRule;
import dev.outpost.proxy.config.CacheSettings;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.config.UserEntry;
import dev.outpost.proxy.server.OutpostNode;
import dev.outpost.wire.auth.ScramVerifier;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code serve} hands a node besides its {@link ProxyConfig}: the cache policy and the users
 * of the configuration, in the forms the node takes them ({@link OutpostNode.Options}).
 */
final class NodeOptions {
  private NodeOptions() {}

  static OutpostNode.Options from(ProxyConfig config) {
    OutpostNode.Options options = OutpostNode.Options.defaults().withCachePolicy(cachePolicy(config.cache()));
    return config.users().isEmpty() ? options : options.withUsers(users(config.users(), config.origin()));
  }

  static CachePolicy cachePolicy(CacheSettings s) {
    List<CacheRule> rules = new ArrayList<>();
    for (dev.outpost.proxy.config.CacheRule r : s.rules()) {
      rules.add(new CacheRule(r.table().toString(), r.enabled(), r.maxAge(), r.staleWhileRevalidate()));
    }
    return new CachePolicy(s.enabled(), s.maxAge(), s.staleWhileRevalidate(), s.maxBytes(), s.maxEntrySize(), rules);
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
