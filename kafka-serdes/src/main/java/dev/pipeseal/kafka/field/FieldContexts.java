package dev.pipeseal.kafka.field;

import dev.pipeseal.crypto.envelope.EnvelopeContext;
import java.util.List;

/** The AAD contexts of the configured fields for the last value name seen (usually one topic). */
final class FieldContexts {
  private final List<String> pointers;
  private volatile Cached cached;

  private record Cached(String base, EnvelopeContext[] contexts) {}

  FieldContexts(List<String> pointers) {
    this.pointers = List.copyOf(pointers);
  }

  /** Context of field {@code i} of a value named {@code base}: {@code base + pointer}. */
  EnvelopeContext get(String base, int i) {
    Cached c = cached;
    if (c == null || !c.base().equals(base)) {
      EnvelopeContext[] ctx = new EnvelopeContext[pointers.size()];
      for (int j = 0; j < ctx.length; j++) {
        ctx[j] = EnvelopeContext.of(base + pointers.get(j));
      }
      c = new Cached(base, ctx);
      cached = c;
    }
    return c.contexts()[i];
  }
}
