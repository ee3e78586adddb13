package dev.outpost.bench.util;

import java.util.regex.Pattern;

/** Masks passwords in anything the bench prints or writes into a report. */
public final class Secrets {
  private static final Pattern URL_PASSWORD = Pattern.compile("(postgres(?:ql)?://[^:/@\\s]+:)[^@\\s]*(@)");
  private static final Pattern PARAM_PASSWORD = Pattern.compile("(?i)(password=)[^&\\s]*");

  private Secrets() {}

  /** {@code postgresql://app:secret@h/db} becomes {@code postgresql://app:***@h/db}; {@code password=x} becomes {@code password=***}. */
  public static String mask(String text) {
    String masked = URL_PASSWORD.matcher(text).replaceAll("$1***$2");
    return PARAM_PASSWORD.matcher(masked).replaceAll("$1***");
  }
}
