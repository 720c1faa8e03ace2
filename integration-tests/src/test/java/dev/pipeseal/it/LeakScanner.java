package dev.pipeseal.it;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Looks for secrets in everything a pipeline run let out: text (log lines, CLI output, reports,
 * exception traces, {@code toString()}s) and files.
 *
 * <p>A hit names the secret by its label and the place it was found, never by its value, so a
 * failing run does not print what it found. Key bytes are searched for in the encodings a careless
 * log line would use (hex either case, base64 padded and unpadded, URL-safe base64) and raw in
 * files.
 */
final class LeakScanner {
  private final Map<String, List<String>> textForms = new LinkedHashMap<>();
  private final Map<String, byte[]> rawForms = new LinkedHashMap<>();
  private final Set<String> hits = new LinkedHashSet<>();
  private long textsScanned;
  private long linesScanned;
  private long charsScanned;
  private long filesScanned;

  /** A password, PIN or token, searched for as it is. */
  void secret(String label, String value) {
    if (value.length() < 8) {
      throw new IllegalArgumentException(label + ": too short to be distinctive");
    }
    textForms.put(label, List.of(value));
    rawForms.put(label, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Key material, searched for in its text encodings and raw. */
  void key(String label, byte[] bytes) {
    List<String> forms = new ArrayList<>();
    String hex = HexFormat.of().formatHex(bytes);
    forms.add(hex);
    forms.add(hex.toUpperCase(Locale.ROOT));
    forms.add(Base64.getEncoder().encodeToString(bytes));
    forms.add(Base64.getEncoder().withoutPadding().encodeToString(bytes));
    forms.add(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    textForms.put(label, forms);
    rawForms.put(label, bytes.clone());
  }

  int secrets() {
    return textForms.size();
  }

  /** Scans one text; {@code where} says what it was (a log line, a report file, ...). */
  void scanText(String where, String text) {
    textsScanned++;
    linesScanned += text.lines().count();
    charsScanned += text.length();
    for (Map.Entry<String, List<String>> e : textForms.entrySet()) {
      for (String form : e.getValue()) {
        if (text.contains(form)) {
          hits.add(e.getKey() + " in " + where);
          break;
        }
      }
    }
  }

  /** Scans an exception as a log would show it: message, causes and suppressed, all frames. */
  void scanThrowable(String where, Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    scanText(where, w.toString());
  }

  /** Scans every regular file under {@code root}, raw and as text, except {@code holders}. */
  void scanFiles(Path root, Set<Path> holders) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path f : files) {
      if (holders.contains(f.toAbsolutePath().normalize())) {
        continue; // the file an operator put the secret in
      }
      byte[] bytes = Files.readAllBytes(f);
      filesScanned++;
      String where = "file " + root.relativize(f);
      for (Map.Entry<String, byte[]> e : rawForms.entrySet()) {
        if (indexOf(bytes, e.getValue()) >= 0) {
          hits.add(e.getKey() + " (raw) in " + where);
        }
      }
      scanText(where, new String(bytes, StandardCharsets.ISO_8859_1));
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Where secrets were found, as "label in place"; never a secret's value. */
  Set<String> hits() {
    return hits;
  }

  String summary() {
    return "secrets="
        + textForms.size()
        + " texts="
        + textsScanned
        + " lines="
        + linesScanned
        + " chars="
        + charsScanned
        + " files="
        + filesScanned
        + " hits="
        + hits.size();
  }
}
