package dev.outpost.bench.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How the bench starts Outpost nodes: from which jar, with which JVM options ({@code run}, {@code all}, {@code soak}). */
public final class NodeLaunchOptions {

  @Option(names = "--outpost-jar", defaultValue = "proxy/target/outpost.jar",
      description = "the Outpost jar to start nodes from (default ${DEFAULT-VALUE})")
  Path outpostJar;

  @Option(names = "--outpost-jvm-opts", defaultValue = "-Xmx512m", split = " ",
      description = "JVM options of started nodes (default ${DEFAULT-VALUE})")
  List<String> outpostJvmOptions = new ArrayList<>();
}
