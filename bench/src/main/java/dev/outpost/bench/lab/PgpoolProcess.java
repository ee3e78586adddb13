package dev.outpost.bench.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A pgpool-II the bench runs itself ({@code --pgpool auto}) as a peer, in front of one server:
 * raw mode (one backend, no replication logic), connection cache on, query cache off,
 * {@value #CHILDREN} child processes, on a free loopback port, its config in a directory of its own.
 *
 * <p>pgpool-II pools per child process and session: a client keeps its backend connection for the
 * whole session, and a new client reuses a cached one (same user and database) without logging in
 * to the server again. Clients authenticate with pgpool itself, which knows the password from its
 * {@code pool_passwd} (plain text, marked {@code TEXT}).
 */
public final class PgpoolProcess implements AutoCloseable {
  public static final Path DEFAULT_BINARY = Path.of("/usr/sbin/pgpool");
  public static final int CHILDREN = 32;

  private final ChildProcess process;
  private final int port;
  private final String version;

  private PgpoolProcess(ChildProcess process, int port, String version) {
    this.process = process;
    this.port = port;
    this.version = version;
  }

  /** Starts pgpool-II in front of {@code server}; clients log in with the server's login. */
  public static Availability<PgpoolProcess> start(Path binary, PgAddress server, Path dir)
      throws InterruptedException {
    if (!Files.isExecutable(binary)) {
      return Availability.missing("pgpool-II is not installed (" + binary + "; apt-get install pgpool2)");
    }
    try {
      Files.createDirectories(dir);
      String version = version(binary, dir);
      int port = Ports.freeLoopbackPort();
      int pcpPort = Ports.freeLoopbackPort();
      Path conf = dir.resolve("pgpool.conf");
      Path passwords = dir.resolve("pool_passwd");
      Path pcp = dir.resolve("pcp.conf");
      Path hba = dir.resolve("pool_hba.conf");
      Files.writeString(conf, String.join("\n",
          "backend_clustering_mode = 'raw'",
          "listen_addresses = '127.0.0.1'",
          "port = " + port,
          "unix_socket_directories = '" + dir + "'",
          "pcp_listen_addresses = ''",
          "pcp_port = " + pcpPort,
          "pcp_socket_dir = '" + dir + "'",
          "backend_hostname0 = '" + server.host() + "'",
          "backend_port0 = " + server.port(),
          "backend_weight0 = 1",
          "backend_flag0 = 'DISALLOW_TO_FAILOVER'",
          "enable_pool_hba = off",
          "pool_passwd = '" + passwords + "'",
          "num_init_children = " + CHILDREN,
          "max_pool = 1",
          "connection_cache = on",
          "memory_cache_enabled = off",
          "load_balance_mode = off",
          "health_check_period = 0",
          "sr_check_period = 0",
          "failover_on_backend_error = off",
          "log_destination = 'stderr'",
          "logdir = '" + dir + "'",
          "pid_file_name = '" + dir.resolve("pgpool.pid") + "'",
          ""), StandardCharsets.UTF_8);
      Files.writeString(passwords, server.user() + ":TEXT" + (server.password() == null ? "" : server.password()) + "\n",
          StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(passwords, PosixFilePermissions.fromString("rw-------"));
      Files.writeString(pcp, "", StandardCharsets.UTF_8);
      Files.writeString(hba, "", StandardCharsets.UTF_8);
      ChildProcess process = ChildProcess.start("pgpool", List.of(binary.toString(), "-n", "-f", conf.toString(),
          "-F", pcp.toString(), "-a", hba.toString()), dir.resolve("pgpool.log"));
      try {
        process.awaitPort("127.0.0.1", port, Duration.ofSeconds(30));
      } catch (ChildProcess.StartFailure e) {
        process.close();
        return Availability.missing("pgpool-II did not start: " + e.getMessage());
      }
      return Availability.present(new PgpoolProcess(process, port, version));
    } catch (IOException e) {
      return Availability.missing("could not run pgpool-II: " + e.getMessage());
    }
  }

  private static String version(Path binary, Path dir) throws IOException, InterruptedException {
    Path out = dir.resolve("pgpool-version.txt");
    Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return "pgpool-II (version unknown)";
    }
    return Files.readString(out, StandardCharsets.UTF_8).lines().findFirst().orElse("pgpool-II (version unknown)");
  }

  /**
   * The endpoint clients use: pgpool's port, the server's login and database, and the simple query
   * protocol. With pgjdbc's extended protocol, pgpool-II 4.3.5 in raw mode was seen leaving the
   * transaction of an autocommit UPDATE open on its backend, so that the read/write mix deadlocked;
   * with the simple protocol it does not.
   */
  public Endpoint endpoint(String label, PgAddress server) {
    return new Endpoint(label, server.at("127.0.0.1", port), Map.of("preferQueryMode", "simple"),
        "pgjdbc runs with preferQueryMode=simple (no server-side prepared statements): with the extended "
            + "protocol, pgpool-II left autocommit UPDATEs' transactions open on its backends and the "
            + "read/write mix deadlocked");
  }

  public String version() {
    return version;
  }

  @Override
  public void close() {
    process.close();
  }
}
