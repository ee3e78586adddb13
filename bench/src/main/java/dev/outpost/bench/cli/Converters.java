package dev.outpost.bench.cli;

import dev.outpost.bench.util.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** picocli converters for the bench's value types. */
final class Converters {
  private Converters() {}

  /** {@code 500ms}, {@code 15s}, {@code 10m}. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code HOST:PORT}. */
  static final class HostPortConverter implements CommandLine.ITypeConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
      try {
        return HostPort.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
