package dev.pipeseal.it;

import java.util.Arrays;
import java.util.Locale;

/**
 * One synthetic training record: PII text fields and a 768-d embedding, all derived from {@code id}
 * so any stage of the pipeline can check a landed row against what was produced.
 */
record TrainingRecord(long id, String name, String email, String ssn, String bio, float[] vector) {
  static final int DIMENSIONS = 768;
  private static final String[] FIRST = {"Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken"};
  private static final String[] LAST = {"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov"};

  static TrainingRecord of(long id) {
    String first = FIRST[(int) (id % FIRST.length)];
    String last = LAST[(int) (id / FIRST.length % LAST.length)];
    String name = first + " \"" + id + "\" " + last; // quotes: the JSON text must round-trip
    String email = (first + "." + last + id + "@example.org").toLowerCase(Locale.ROOT);
    String ssn = String.format(Locale.ROOT, "%03d-%02d-%04d", 100 + id % 800, id % 97, id % 9973);
    String bio = "Lives at " + id + " Main St; reach " + email + " or " + ssn + ".";
    float[] v = new float[DIMENSIONS];
    for (int i = 0; i < DIMENSIONS; i++) {
      // Multiples of 1/64: exact in float, double and short decimal text, so the JSON hop between
      // producer and lake cannot round.
      v[i] = ((id * 31 + i * 17) % 2001 - 1000) / 64f;
    }
    return new TrainingRecord(id, name, email, ssn, bio, v);
  }

  /** The profile topic's value: PII fields, encrypted field by field by the serializer. */
  String profileJson() {
    return "{\"id\":%d,\"name\":%s,\"email\":%s,\"ssn\":%s,\"bio\":%s}"
        .formatted(id, quote(name), quote(email), quote(ssn), quote(bio));
  }

  /** The embedding topic's value, encrypted whole by the serializer. */
  String embeddingJson() {
    StringBuilder b = new StringBuilder(DIMENSIONS * 12).append("{\"id\":").append(id);
    b.append(",\"embedding\":[");
    for (int i = 0; i < vector.length; i++) {
      b.append(i == 0 ? "" : ",").append(vector[i]);
    }
    return b.append("]}").toString();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainingRecord r
        && id == r.id
        && name.equals(r.name)
        && email.equals(r.email)
        && ssn.equals(r.ssn)
        && bio.equals(r.bio)
        && Arrays.equals(vector, r.vector);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id);
  }

  @Override
  public String toString() {
    return "TrainingRecord[id=" + id + "]"; // synthetic, but keep the PII-free habit
  }
}
