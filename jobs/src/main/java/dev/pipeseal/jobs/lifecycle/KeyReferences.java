package dev.pipeseal.jobs.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.hierarchy.KekKms;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryRecord;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What still references each master key version, from the sources given: the key registry (every
 * current record generation), and a lake's inventory (Parquet key material in files and in key
 * material files, and the keys sampled envelope cells name, inline or through registry ids). Holds
 * names and counts only, never key bytes.
 *
 * <p>References are per provider where the source records it; inline envelope cells do not name
 * their provider, so they count for every provider with a key of that name.
 */
public final class KeyReferences {
  /** How many examples of each kind a listing keeps. */
  static final int EXAMPLES = 5;

  /** Counts of one master key version's users, with a few examples of each. */
  public static final class Usage {
    long registryRecords;
    long kekRecords;
    long subjectKeys;
    long dataFiles;
    long keyMaterialFiles;
    long cellFiles;
    final Map<String, Set<String>> examples = new TreeMap<>();

    /** Current registry record generations wrapped under this version. */
    public long registryRecords() {
      return registryRecords;
    }

    /** Of those, records wrapped by a KEK that this version wraps. */
    public long kekRecords() {
      return kekRecords;
    }

    /**
     * Subject keys (crypto-shredding area) wrapped under this version, counted per stored copy: a
     * rewrite interrupted before deleting what it replaced leaves two.
     */
    public long subjectKeys() {
      return subjectKeys;
    }

    /** Data files whose own (internal) key material names this version. */
    public long dataFiles() {
      return dataFiles;
    }

    /** External key material files ({@code _KEY_MATERIAL_FOR_*.json}) naming this version. */
    public long keyMaterialFiles() {
      return keyMaterialFiles;
    }

    /** Data files whose sampled envelope cells need this version. */
    public long cellFiles() {
      return cellFiles;
    }

    public long total() {
      return registryRecords + subjectKeys + dataFiles + keyMaterialFiles + cellFiles;
    }

    /** Up to {@value #EXAMPLES} names per kind: registry ids, file paths. */
    public Map<String, Set<String>> examples() {
      return Collections.unmodifiableMap(examples);
    }

    void example(String kind, String what) {
      Set<String> s = examples.computeIfAbsent(kind, k -> new LinkedHashSet<>());
      if (s.size() < EXAMPLES) {
        s.add(what);
      }
    }

    void add(Usage o) {
      registryRecords += o.registryRecords;
      kekRecords += o.kekRecords;
      subjectKeys += o.subjectKeys;
      dataFiles += o.dataFiles;
      keyMaterialFiles += o.keyMaterialFiles;
      cellFiles += o.cellFiles;
      o.examples.forEach((k, v) -> v.forEach(e -> example(k, e)));
    }
  }

  private record Ref(String provider, String name, String version) {}

  // Provider "" = not recorded by the source (inline cells).
  private final Map<Ref, Usage> uses = new HashMap<>();
  private final List<String> sources = new ArrayList<>();
  private final List<String> gaps = new ArrayList<>();

  /** What was looked at, e.g. {@code registry file:/r (12 records)}, for the output. */
  public List<String> sources() {
    return List.copyOf(sources);
  }

  /**
   * What could not be checked (files not sampled, registry ids not resolvable); a retirement is
   * refused while any is left.
   */
  public List<String> gaps() {
    return List.copyOf(gaps);
  }

  /** Counts every current record generation of {@code registry}. */
  public KeyReferences addRegistry(KeyRegistry registry, String location) {
    long n = 0;
    try (Stream<RegistryRecord> records = registry.list()) {
      for (RegistryRecord r : (Iterable<RegistryRecord>) records::iterator) {
        n++;
        Usage u =
            usage(
                r.wrapped().provider(),
                r.wrapped().masterKeyName(),
                r.wrapped().masterKeyVersion());
        u.registryRecords++;
        if (KekKms.ALGORITHM.equals(r.wrapped().algorithm())) {
          u.kekRecords++;
        }
        u.example("registry records", r.id().toString());
      }
    }
    sources.add("registry " + location + " (" + n + " records)");
    return this;
  }

  /** Counts every stored subject key of the registry's crypto-shredding area. */
  public KeyReferences addSubjects(SubjectKeyRegistry subjects, String location) {
    long[] n = {0};
    subjects.forEachStoredKey(
        k -> {
          n[0]++;
          WrappedKey w = k.wrapped();
          Usage u = usage(w.provider(), w.masterKeyName(), w.masterKeyVersion());
          u.subjectKeys++;
          u.example("subject keys", k.subject().toString());
        });
    sources.add("subject keys of " + location + " (" + n[0] + " stored)");
    return this;
  }

  /**
   * Counts the keys an inventory report names ({@code pipeseal inventory --json} or {@code
   * --report}). Registry ids that cells reference are resolved through {@code registry} when given,
   * else through the report's own {@code registryKeys}.
   *
   * @param registry may be null
   */
  public KeyReferences addInventory(JsonNode report, KeyRegistry registry, String description) {
    Map<String, String> idToKey = new HashMap<>();
    report
        .path("registryKeys")
        .fields()
        .forEachRemaining(e -> idToKey.put(e.getKey(), e.getValue().asText()));
    long files = 0;
    for (JsonNode f : report.path("files")) {
      String path = f.path("path").asText();
      JsonNode info = f.path("info");
      if (info.isMissingNode() || info.isNull()) {
        if ("FAILED".equals(f.path("status").asText())) {
          gaps.add("file not inventoried: " + path + " (" + f.path("message").asText() + ")");
        }
        continue;
      }
      files++;
      Set<Ref> inFile = new LinkedHashSet<>();
      Set<Ref> inKeyMaterial = new LinkedHashSet<>();
      for (JsonNode k : info.path("keys")) {
        String version = text(k.path("masterKeyVersion"));
        if (version == null) {
          continue; // not a Pipeseal wrapped key: no master key version of ours to protect
        }
        Ref ref =
            new Ref(
                Objects.toString(text(k.path("provider")), ""),
                k.path("masterKey").asText(),
                version);
        if ("external".equals(k.path("storage").asText())) {
          inKeyMaterial.add(ref);
        } else {
          inFile.add(ref);
        }
      }
      for (Ref r : inFile) {
        Usage u = usage(r);
        u.dataFiles++;
        u.example("data files", path);
      }
      for (Ref r : inKeyMaterial) {
        Usage u = usage(r);
        u.keyMaterialFiles++;
        u.example("key material files", path);
      }
      JsonNode cells = info.path("cells");
      if (cells.isMissingNode() || cells.isNull()) {
        String message = f.path("message").asText("");
        if (message.startsWith("cells not sampled")) {
          gaps.add(path + ": " + message);
        }
        continue;
      }
      Set<Ref> cellRefs = new LinkedHashSet<>();
      for (JsonNode c : cells) {
        for (JsonNode inline : c.path("inlineKeys")) {
          Ref r = parseLabel("", inline.asText());
          if (r != null) {
            cellRefs.add(r);
          }
        }
        for (JsonNode id : c.path("registryKeys")) {
          Ref r = resolve(id.asText(), registry, idToKey);
          if (r == null) {
            gaps.add(
                path
                    + ": cells reference registry id "
                    + id.asText()
                    + " whose key is unknown (give --registry)");
          } else {
            cellRefs.add(r);
          }
        }
      }
      for (Ref r : cellRefs) {
        Usage u = usage(r);
        u.cellFiles++;
        u.example("cells (sampled) in", path);
      }
    }
    sources.add(description + " (" + files + " files)");
    return this;
  }

  private static Ref resolve(String id, KeyRegistry registry, Map<String, String> idToKey) {
    if (registry != null) {
      try {
        return registry
            .read(KeyId.parse(id))
            .map(
                r ->
                    new Ref(
                        r.wrapped().provider(),
                        r.wrapped().masterKeyName(),
                        r.wrapped().masterKeyVersion()))
            .orElse(null);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    String label = idToKey.get(id);
    return label == null ? null : parseLabel("", label);
  }

  private static Ref parseLabel(String provider, String label) {
    int at = label.lastIndexOf('@');
    return at <= 0 || at == label.length() - 1
        ? null
        : new Ref(provider, label.substring(0, at), label.substring(at + 1));
  }

  private static String text(JsonNode n) {
    return n.isMissingNode() || n.isNull() ? null : n.asText();
  }

  private Usage usage(String provider, String name, String version) {
    return usage(new Ref(provider, name, version));
  }

  private Usage usage(Ref ref) {
    return uses.computeIfAbsent(ref, r -> new Usage());
  }

  /** Users of {@code version} of {@code provider}'s key {@code name} (zero counts if none). */
  public Usage of(String provider, String name, String version) {
    Usage out = new Usage();
    Usage exact = uses.get(new Ref(provider, name, version));
    if (exact != null) {
      out.add(exact);
    }
    Usage unlabelled = uses.get(new Ref("", name, version));
    if (unlabelled != null) {
      out.add(unlabelled);
    }
    return out;
  }

  /** Every version of {@code provider}'s key {@code name} something references, sorted. */
  public Set<String> versions(String provider, String name) {
    Set<String> out = new java.util.TreeSet<>(KeyReferences::compareVersions);
    for (Ref r : uses.keySet()) {
      if (r.name().equals(name) && (r.provider().equals(provider) || r.provider().isEmpty())) {
        out.add(r.version());
      }
    }
    return out;
  }

  /** Numeric where both are numbers (10 after 9), else by text (Hadoop's {@code name@N}). */
  static int compareVersions(String a, String b) {
    String x = a.substring(a.lastIndexOf('@') + 1);
    String y = b.substring(b.lastIndexOf('@') + 1);
    try {
      int c = Long.compare(Long.parseLong(x), Long.parseLong(y));
      return c != 0 ? c : a.compareTo(b);
    } catch (NumberFormatException e) {
      return a.compareTo(b);
    }
  }
}
