package dev.pipeseal.kafka.field;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads one string or integer out of a serialized JSON value at a JSON pointer (the subject id of
 * {@code pipeseal.value.subject=/user/id}). Lives with the JSON field mode so that Jackson is
 * loaded only by the settings that need it. Errors never quote the value.
 */
public final class JsonPointerText {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String text;
  private final JsonPointer pointer;

  public JsonPointerText(String pointer) {
    this.text = pointer;
    this.pointer = JsonPointer.compile(pointer);
  }

  /**
   * The UTF-8 text of the string (or the digits of the integer) at the pointer; null if the value
   * has nothing there, a JSON null, or an empty string.
   *
   * @throws IllegalArgumentException if the value is not JSON or holds another type there
   */
  public byte[] read(byte[] json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (IOException e) {
      // Jackson's message may quote the value: only say what failed.
      throw new IllegalArgumentException("the value is not JSON, so " + text + " cannot be read");
    }
    if (root == null) {
      return null;
    }
    JsonNode node = root.at(pointer);
    if (node.isTextual()) {
      String s = node.textValue();
      return s.isEmpty() ? null : s.getBytes(StandardCharsets.UTF_8);
    }
    if (node.isIntegralNumber()) {
      return node.asText().getBytes(StandardCharsets.US_ASCII);
    }
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    throw new IllegalArgumentException(
        "the subject at "
            + text
            + " is a JSON "
            + node.getNodeType()
            + ", not a string or integer");
  }
}
