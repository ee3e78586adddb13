package dev.outpost.bench.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PgBouncer the bench runs itself ({@code --pgbouncer auto}) as a peer: transaction pooling,
 * pool size 20, one database alias per origin placement, on a free loopback port.
 *
 * <p>Its ini and userlist go into a directory of their own. PgBouncer refuses to run as root, so
 * when the bench is root the child gets {@code -u nobody} and the directory is handed to nobody.
 * PgBouncer before 1.21 cannot keep named prepared statements in transaction mode, so its
 * endpoints then tell pgjdbc to use unnamed ones ({@code prepareThreshold=0}) and say so.
 */
public final class PgBouncerProcess implements AutoCloseable {
  public static final Path DEFAULT_BINARY = Path.of("/usr/sbin/pgbouncer");
  public static final int POOL_SIZE = 20;
  private static final Pattern VERSION = Pattern.compile("PgBouncer (\\d+)\\.(\\d+)(?:\\.(\\d+))?");

  private final ChildProcess process;
  private final int port;
  private final String version;
  private final boolean keepsPreparedStatements;

  private PgBouncerProcess(ChildProcess process, int port, String version, boolean keepsPreparedStatements) {
    this.process = process;
    this.port = port;
    this.version = version;
    this.keepsPreparedStatements = keepsPreparedStatements;
  }

  /**
   * Starts PgBouncer with {@code aliases} (database name as clients see it → the server it pools
   * to). All servers must share one login, which clients also use.
   */
  public static Availability<PgBouncerProcess> start(Path binary, Map<String, PgAddress> aliases, Path dir)
      throws InterruptedException {
    if (!Files.isExecutable(binary)) {
      return Availability.missing("PgBouncer is not installed (" + binary + "; apt-get install pgbouncer)");
    }
    try {
      String version = version(binary, dir);
      Matcher m = VERSION.matcher(version);
      boolean prepared = m.find() && (Integer.parseInt(m.group(1)) > 1 || Integer.parseInt(m.group(2)) >= 21);
      int port = Ports.freeLoopbackPort();
      PgAddress any = aliases.values().iterator().next();
      Files.createDirectories(dir);
      Path ini = dir.resolve("pgbouncer.ini");
      Path users = dir.resolve("userlist.txt");
      Files.writeString(ini, ini(aliases, port, users, prepared), StandardCharsets.UTF_8);
      Files.writeString(users, "\"" + any.user() + "\" \"" + (any.password() == null ? "" : any.password()) + "\"\n",
          StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-------"));
      List<String> command = new ArrayList<>(List.of(binary.toString()));
      if (runningAsRoot()) {
        handTo("nobody", dir, ini, users);
        command.addAll(List.of("-u", "nobody"));
      }
      command.add(ini.toString());
      ChildProcess process = ChildProcess.start("pgbouncer", command, dir.resolve("pgbouncer.log"));
      try {
        process.awaitPort("127.0.0.1", port, Duration.ofSeconds(30));
      } catch (ChildProcess.StartFailure e) {
        process.close();
        return Availability.missing("PgBouncer did not start: " + e.getMessage());
      }
      return Availability.present(new PgBouncerProcess(process, port, version, prepared));
    } catch (IOException e) {
      return Availability.missing("could not run PgBouncer: " + e.getMessage());
    }
  }

  private static String ini(Map<String, PgAddress> aliases, int port, Path users, boolean prepared) {
    StringBuilder b = new StringBuilder("[databases]\n");
    aliases.forEach((alias, server) -> b.append(alias).append(" = host=").append(server.host())
        .append(" port=").append(server.port()).append(" dbname=").append(server.database()).append('\n'));
    b.append("\n[pgbouncer]\n")
        .append("listen_addr = 127.0.0.1\n")
        .append("listen_port = ").append(port).append('\n')
        .append("unix_socket_dir =\n")
        .append("auth_type = scram-sha-256\n")
        .append("auth_file = ").append(users).append('\n')
        .append("pool_mode = transaction\n")
        .append("default_pool_size = ").append(POOL_SIZE).append('\n')
        .append("max_client_conn = 1000\n")
        // pgjdbc sends extra_float_digits in its startup packet; PgBouncer rejects what it does not track.
        .append("ignore_startup_parameters = extra_float_digits\n")
        .append("log_connections = 0\n")
        .append("log_disconnections = 0\n")
        .append("server_tls_sslmode = disable\n");
    if (prepared) {
      b.append("max_prepared_statements = 200\n");
    }
    return b.toString();
  }

  private static String version(Path binary, Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path out = dir.resolve("pgbouncer-version.txt");
    Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return "unknown";
    }
    String text = Files.readString(out, StandardCharsets.UTF_8).strip();
    return text.lines().findFirst().orElse("unknown");
  }

  private static boolean runningAsRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static void handTo(String user, Path... paths) throws IOException {
    UserPrincipal principal = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(user);
    for (Path p : paths) {
      Files.setOwner(p, principal);
    }
  }

  /** An endpoint for one alias, with the driver settings this PgBouncer version needs. */
  public Endpoint endpoint(String alias, String label, PgAddress login) {
    Endpoint e = new Endpoint(label, new PgAddress("127.0.0.1", port, alias, login.user(), login.password()),
        Map.of(), "");
    return keepsPreparedStatements ? e
        : e.withDriverSetting("prepareThreshold", "0")
            .withNote(version + " in transaction mode cannot keep named prepared statements; "
                + "pgjdbc runs with prepareThreshold=0 (unnamed statements, parsed on every execution)");
  }

  public String version() {
    return version;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    process.close();
  }
}
