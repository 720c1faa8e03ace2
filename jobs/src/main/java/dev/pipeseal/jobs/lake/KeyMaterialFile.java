package dev.pipeseal.jobs.lake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * An external key material file: a JSON map from key reference ({@code footerKey}, {@code
 * columnKey0}, ...) to the key material JSON of that key, as Parquet's {@code
 * HadoopFSKeyMaterialStore} writes it.
 */
public record KeyMaterialFile(Path path, LinkedHashMap<String, String> entries) {
  private static final TypeReference<LinkedHashMap<String, String>> MAP = new TypeReference<>() {};

  /** Where Parquet keeps the external key material of {@code dataFile}. */
  public static Path of(Path dataFile) {
    return new Path(dataFile.getParent(), "_KEY_MATERIAL_FOR_" + dataFile.getName() + ".json");
  }

  public static KeyMaterialFile read(Path path, Configuration conf) throws IOException {
    return parse(path, new String(readBytes(path, conf), StandardCharsets.UTF_8));
  }

  /**
   * The file's bytes as stored.
   *
   * @throws CorruptFileException if it is missing
   */
  public static byte[] readBytes(Path path, Configuration conf) throws IOException {
    try {
      java.nio.file.Path local = LocalReads.unchecked(path, conf);
      if (local != null) {
        return Files.readAllBytes(local);
      }
      try (InputStream in = path.getFileSystem(conf).open(path)) {
        return in.readAllBytes();
      }
    } catch (FileNotFoundException | NoSuchFileException e) {
      throw new CorruptFileException("key material file " + path + " is missing");
    }
  }

  public static KeyMaterialFile parse(Path path, String json) throws CorruptFileException {
    try {
      return new KeyMaterialFile(path, KeyMaterial.JSON.readValue(json, MAP));
    } catch (JsonProcessingException e) {
      throw new CorruptFileException("key material file " + path + " is not valid JSON");
    }
  }

  /** Every key this file holds. */
  public List<KeyUse> keys() throws CorruptFileException {
    List<KeyUse> out = new ArrayList<>();
    for (Map.Entry<String, String> e : entries.entrySet()) {
      out.add(
          KeyMaterial.describe(
              e.getKey(), KeyMaterial.parseObject(e.getValue(), path.toString()), "external"));
    }
    return out;
  }

  public byte[] toBytes() {
    try {
      return KeyMaterial.JSON.writeValueAsBytes(entries);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize key material", e);
    }
  }
}
