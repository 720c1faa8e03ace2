package dev.pipeseal.kafka.connect;

/** The version Connect reports for these plugins (REST {@code /connector-plugins}, logs). */
final class PluginVersion {
  private PluginVersion() {}

  static String get() {
    String v = PluginVersion.class.getPackage().getImplementationVersion();
    return v != null ? v : "0.1.0-SNAPSHOT";
  }
}
