package dev.outpost.proxy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code outpost version}. */
@Command(name = "version", description = "Print the Outpost version.")
final class VersionCommand implements Runnable {
  @Override
  public void run() {
    System.out.println("outpost " + version() + " (Java " + System.getProperty("java.version") + ")");
  }

  static String version() {
    String v = OutpostMain.class.getPackage().getImplementationVersion();
    return v == null ? "development build" : v;
  }

  /** For {@code outpost --version}. */
  static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"outpost " + version()};
    }
  }
}
