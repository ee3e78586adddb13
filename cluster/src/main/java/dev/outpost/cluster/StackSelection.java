package dev.outpost.cluster;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which JGroups stack file a channel is built from: one shipped with Outpost, by name ({@code
 * tcp} for a region, {@code relay-tcp} for the bridge between regions; the files live in {@code
 * src/conf/jgroups/} and on the classpath), or an operator's own file, by path.
 *
 * <p>Whichever is chosen, Outpost sets the transport's bind address and port and TCPPING's
 * initial hosts from {@link ClusterConfig}, so a stack file carries tuning, not addresses.
 *
 * @param name the shipped stack's name, or null when {@code path} is given
 * @param path the stack file, or null when {@code name} is given
 */
public record StackSelection(String name, Path path) {

  // Before the constants below: they are validated against it when the class initializes.
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

  /** The shipped regional stack: TCP + TCPPING (works without multicast). */
  public static final StackSelection TCP = new StackSelection("tcp", null);

  /** The shipped bridge stack between regions' site masters: TCP + TCPPING. */
  public static final StackSelection RELAY_TCP = new StackSelection("relay-tcp", null);

  /** Exactly one of name and path; a name is lower-case letters, digits and '-'. */
  public StackSelection {
    if ((name == null) == (path == null)) {
      throw new IllegalArgumentException("a stack is selected by a name or by a path, not both or neither");
    }
    if (name != null && !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("stack name \"" + name + "\" is invalid: use lower-case letters, digits and '-'");
    }
  }

  /**
   * Reads a config value: a value containing '/' or ending in {@code .xml} is a path, anything else
   * a shipped stack's name. Errors name {@code key}.
   */
  public static StackSelection parse(String key, String text) {
    Objects.requireNonNull(text, key);
    String value = text.trim();
    try {
      if (value.contains("/") || value.endsWith(".xml")) {
        return new StackSelection(null, Path.of(value));
      }
      return new StackSelection(value, null);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + " \"" + text + "\" is invalid: " + e.getMessage()
          + " (or give a path to a stack file ending in .xml)", e);
    }
  }

  /** The classpath resource of a shipped stack. */
  String resource() {
    return "dev/outpost/cluster/stacks/" + name + ".xml";
  }

  @Override
  public String toString() {
    return name != null ? name : path.toString();
  }
}
