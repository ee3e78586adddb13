package dev.outpost.proxy.config;

import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much the node logs ({@code log-level}). Changes live: {@link #apply()} sets the level of the
 * root logger when Logback is the SLF4J backend (it is in the shipped jar) and does nothing
 * otherwise, so that embedding code with another backend keeps its own configuration.
 */
public enum LogLevel {
  TRACE, DEBUG, INFO, WARN, ERROR;

  /** Reads a level name (any case); {@code warning} is accepted for {@code warn}. */
  public static LogLevel parse(String text) {
    String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
    if (t.equals("WARNING")) {
      return WARN;
    }
    try {
      return valueOf(t);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid log-level '" + text
          + "': allowed are trace, debug, info, warn, error");
    }
  }

  /** Sets the root logger's level; true when it could (the backend is Logback). */
  public boolean apply() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    Logger root = factory.getLogger(Logger.ROOT_LOGGER_NAME);
    if (root instanceof ch.qos.logback.classic.Logger logback) {
      logback.setLevel(ch.qos.logback.classic.Level.toLevel(name()));
      return true;
    }
    return false;
  }

  /** The spelling used in the config file. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
