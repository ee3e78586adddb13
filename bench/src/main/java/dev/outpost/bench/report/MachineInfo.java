package dev.outpost.bench.report;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Describes the machine a run happened on, for the report. */
public final class MachineInfo {
  private MachineInfo() {}

  /** Cores, memory, CPU model, OS, Java, and the load average when the run started. */
  public static Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      m.put("memory", String.format(Locale.ROOT, "%.1f GiB", sun.getTotalMemorySize() / (1024.0 * 1024 * 1024)));
    }
    cpuModel().ifPresent(cpu -> m.put("CPU", cpu));
    m.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " ("
        + System.getProperty("os.arch") + ")");
    m.put("Java", System.getProperty("java.vm.name") + " " + Runtime.version() + " ("
        + System.getProperty("java.vendor") + ")");
    double load = os.getSystemLoadAverage();
    if (load >= 0) {
      m.put("load average at start", String.format(Locale.ROOT, "%.2f", load));
    }
    return m;
  }

  private static java.util.Optional<String> cpuModel() {
    try {
      Path cpuinfo = Path.of("/proc/cpuinfo");
      if (!Files.isReadable(cpuinfo)) {
        return java.util.Optional.empty();
      }
      return Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst();
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }
}
