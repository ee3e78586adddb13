package dev.outpost.proxy.origin;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one origin backend holds on behalf of whichever client used it last: the prepared
 * statements it has (an LRU of server-side names, DESIGN §5.2), who parsed its unnamed
 * statement, and the session settings applied to it (DESIGN §5.3).
 *
 * <p>A statement's server-side names are versions of its digest ({@code <digest>_<n>}): a backend
 * parsed each version at one moment, and resolved the statement's names (tables, functions, through
 * the search_path) then. A client's statement is only served by a version parsed no earlier than the
 * client's own Parse, as Postgres would have parsed it for that client; an older version (a table
 * created since in an earlier schema of the search_path would not be seen by it) is left to the LRU
 * and a new version is parsed.
 *
 * <p>Only the session bound to the connection touches this state, on its own event loop; the
 * pool's hand-over gives the next session a consistent view.
 */
public final class ServerState {
  private final int capacity;
  private final LinkedHashMap<String, Boolean> prepared = new LinkedHashMap<>(64, 0.75f, true);
  /** The newest version of each statement digest on this backend. */
  private final Map<String, Version> newest = new HashMap<>();
  private long versions;
  private Object unnamedOwner;
  /**
   * The client whose statements may have called nextval() here (a write, nextval() by name, user
   * code, SQL run from text), so that currval() and lastval() on this backend answer with its
   * values; null when no one's.
   */
  private Object sequenceOwner;
  private Map<String, String> appliedSettings = Map.of();

  public ServerState(int capacity) {
    this.capacity = capacity;
  }

  private record Version(String name, long parsedAtNanos) {}

  /** True when the backend has the server-side statement {@code name}; marks it recently used. */
  public boolean hasPrepared(String name) {
    return prepared.get(name) != null;
  }

  /**
   * The server-side name of the newest version of statement {@code digest} on this backend if it
   * was parsed at or after {@code sinceNanos} ({@link System#nanoTime}), marking it recently used;
   * null when the backend has no version that recent.
   */
  public String preparedSince(String digest, long sinceNanos) {
    Version v = newest.get(digest);
    if (v == null || v.parsedAtNanos() - sinceNanos < 0 || !hasPrepared(v.name())) {
      return null;
    }
    return v.name();
  }

  /**
   * Names a new version of statement {@code digest}, parsed from now on (the caller sends its
   * Parse and records it with {@link #addPrepared}).
   */
  public String newVersion(String digest) {
    String name = digest + "_" + (++versions);
    newest.put(digest, new Version(name, System.nanoTime()));
    return name;
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
        forgetVersion(eldest);
        return eldest;
      }
    }
    return null;
  }

  /** Forgets {@code name} (its Parse failed or it was closed). */
  public void removePrepared(String name) {
    prepared.remove(name);
    forgetVersion(name);
  }

  /**
   * A statement left the backend: if it was the newest version of its digest, no version is
   * known any more. Keeps {@link #newest} within the LRU's capacity, however many texts pass.
   */
  private void forgetVersion(String name) {
    int cut = name.lastIndexOf('_');
    if (cut <= 0) {
      return;
    }
    String digest = name.substring(0, cut);
    Version v = newest.get(digest);
    if (v != null && v.name().equals(name)) {
      newest.remove(digest);
    }
  }

  /** Digests with a known newest version (at most the capacity, plus one being prepared). */
  int versionCount() {
    return newest.size();
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

  /** {@code owner}'s statements may call nextval() on this backend from now on. */
  public void sequenceOwner(Object owner) {
    this.sequenceOwner = owner;
  }

  /**
   * Whether {@code owner} must clear the backend's sequence state (DISCARD SEQUENCES) before its
   * own use: another client may have called nextval() here, and currval() or lastval() would give
   * it that client's value. The state is taken as cleared from then on.
   */
  public boolean takeOthersSequenceState(Object owner) {
    if (sequenceOwner == null || sequenceOwner == owner) {
      return false;
    }
    sequenceOwner = null;
    return true;
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
    newest.clear();
    unnamedOwner = null;
  }

  /** After DISCARD ALL: the backend is as fresh as a new one. */
  public void reset() {
    prepared.clear();
    newest.clear();
    unnamedOwner = null;
    sequenceOwner = null;
    appliedSettings = Map.of();
  }
}
