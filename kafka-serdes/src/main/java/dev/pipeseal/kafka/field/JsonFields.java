package dev.pipeseal.kafka.field;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.pipeseal.envelope.EnvelopeReader;
import dev.pipeseal.envelope.EnvelopeWriter;
import dev.pipeseal.kafka.config.PlaintextPolicy;
import dev.pipeseal.kms.metrics.DecryptFailureKind;
import java.io.IOException;
import java.util.Base64;
import java.util.List;

/**
 * JSON values: each configured field (JSON pointer) that is present is replaced by a string, the
 * standard base64 (padded) of an envelope whose plaintext is the field's JSON text (a string keeps
 * its quotes, so any JSON type round-trips). Missing fields stay missing; other fields are copied.
 */
final class JsonFields implements FieldCipher {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final List<String> pointerTexts;
  private final JsonPointer[] pointers;
  private final FieldContexts contexts;
  private final EnvelopeWriter writer;
  private final EnvelopeReader reader;
  private final PlaintextPolicy plaintext;

  JsonFields(
      List<String> fields,
      EnvelopeWriter writer,
      EnvelopeReader reader,
      PlaintextPolicy plaintext) {
    this.pointerTexts = List.copyOf(fields);
    this.pointers = new JsonPointer[fields.size()];
    for (int i = 0; i < pointers.length; i++) {
      pointers[i] = JsonPointer.compile(fields.get(i));
    }
    this.contexts = new FieldContexts(fields);
    this.writer = writer;
    this.reader = reader;
    this.plaintext = plaintext;
  }

  @Override
  public byte[] sealBytes(byte[] serialized, String base) {
    JsonNode root = parse(serialized, base);
    for (int i = 0; i < pointers.length; i++) {
      JsonNode node = root.at(pointers[i]);
      if (node.isMissingNode()) {
        continue;
      }
      byte[] plain = write(node, base);
      byte[] env = writer.encrypt(plain, contexts.get(base, i));
      java.util.Arrays.fill(plain, (byte) 0);
      replace(root, pointers[i], TextNode.valueOf(Base64.getEncoder().encodeToString(env)));
    }
    return write(root, base);
  }

  @Override
  public byte[] openBytes(byte[] serialized, String base, boolean marked) {
    JsonNode root = parse(serialized, base);
    boolean changed = false;
    for (int i = 0; i < pointers.length; i++) {
      JsonNode node = root.at(pointers[i]);
      if (node.isMissingNode()) {
        continue;
      }
      byte[] env = node.isTextual() ? decodeBase64(node.textValue()) : null;
      boolean isEnvelope = env != null && (marked || reader.looksLikeEnvelope(env, 0, env.length));
      if (!isEnvelope) {
        if (marked || plaintext == PlaintextPolicy.REJECT) {
          reader.failures().record(DecryptFailureKind.PLAINTEXT_REFUSED, base);
          throw new FieldEncryptionException(
              "field "
                  + pointerTexts.get(i)
                  + " of a record in "
                  + base
                  + " is not encrypted"
                  + (marked ? " although the record is marked encrypted" : "")
                  + "; plaintext is refused"
                  + (marked ? "" : " (pipeseal.plaintext=accept allows it during migration)"));
        }
        continue;
      }
      byte[] plain = reader.decrypt(env, 0, env.length, contexts.get(base, i));
      try {
        replace(root, pointers[i], MAPPER.readTree(plain));
      } catch (IOException e) {
        throw new FieldEncryptionException(
            "field " + pointerTexts.get(i) + " in " + base + " decrypted to invalid JSON");
      } finally {
        java.util.Arrays.fill(plain, (byte) 0);
      }
      changed = true;
    }
    return changed ? write(root, base) : serialized;
  }

  private static byte[] decodeBase64(String text) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static JsonNode parse(byte[] bytes, String base) {
    try {
      JsonNode root = MAPPER.readTree(bytes);
      if (root == null || !root.isContainerNode()) {
        throw new FieldEncryptionException(
            "json-fields: a value in " + base + " is not a JSON object or array");
      }
      return root;
    } catch (IOException e) {
      // No cause: parser messages quote the input, which is plaintext.
      throw new FieldEncryptionException("json-fields: a value in " + base + " is not valid JSON");
    }
  }

  private static byte[] write(JsonNode node, String base) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new FieldEncryptionException("json-fields: cannot write a value in " + base);
    }
  }

  private static void replace(JsonNode root, JsonPointer pointer, JsonNode value) {
    JsonNode parent = root.at(pointer.head());
    JsonPointer last = pointer.last();
    if (parent instanceof ObjectNode o) {
      o.set(last.getMatchingProperty(), value);
    } else if (parent instanceof ArrayNode a) {
      a.set(last.getMatchingIndex(), value);
    }
  }
}
