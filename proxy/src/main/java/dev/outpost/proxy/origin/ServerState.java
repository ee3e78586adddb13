package dev.outpost.proxy.origin;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one origin backend holds on behalf of whichever client used it last: the prepared
 * statements it has (an LRU of server-side names, DESIGN §5.2), who parsed its unnamed
 * statement, and the session settings applied to it (DESIGN §5.3).
 *
 * <p>Only the session bound to the connection touches this state, on its own event loop; the
 * pool's hand-over gives the next session a consistent view.
 */
public final class ServerState {
  private final int capacity;
  private final LinkedHashMap<String, Boolean> prepared = new LinkedHashMap<>(64, 0.75f, true);
  private Object unnamedOwner;
  private Map<String, String> appliedSettings = Map.of();

  public ServerState(int capacity) {
    this.capacity = capacity;
  }

  /** True when the backend has the server-side statement {@code name}; marks it recently used. */
  public boolean hasPrepared(String name) {
    return prepared.get(name) != null;
  }

  /**
   * Records that {@code name} is being prepared and returns the least recently used statement that
   * must be closed to stay within capacity, or null.
   */
  public String addPrepared(String name) {
    prepared.put(name, Boolean.TRUE);
    if (prepared.size() > capacity) {
      Iterator<String> it = prepared.keySet().iterator();
      String eldest = it.next();
      if (!eldest.equals(name)) {
        it.remove();
        return eldest;
      }
    }
    return null;
  }

  /** Forgets {@code name} (its Parse failed or it was closed). */
  public void removePrepared(String name) {
    prepared.remove(name);
  }

  public int preparedCount() {
    return prepared.size();
  }

  /** The token of the client whose Parse the unnamed statement currently holds, or null. */
  public Object unnamedOwner() {
    return unnamedOwner;
  }

  public void unnamedOwner(Object owner) {
    this.unnamedOwner = owner;
  }

  /** Settings applied to the backend: name → the command that set it. */
  public Map<String, String> appliedSettings() {
    return appliedSettings;
  }

  public void appliedSettings(Map<String, String> settings) {
    this.appliedSettings = settings;
  }

  /** After DEALLOCATE ALL: the backend has no prepared statements left. */
  public void clearPrepared() {
    prepared.clear();
    unnamedOwner = null;
  }

  /** After DISCARD ALL: the backend is as fresh as a new one. */
  public void reset() {
    prepared.clear();
    unnamedOwner = null;
    appliedSettings = Map.of();
  }
}
