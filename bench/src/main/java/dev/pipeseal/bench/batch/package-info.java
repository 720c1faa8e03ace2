/**
 * Batch layouts the benchmarks measure against single-value calls: many envelopes per call
 * (Arrow-style columns, {@code byte[][]}, float and double vectors) over the core's envelope
 * handles. Not a connector path: the connectors read and write one value at a time through the
 * {@code envelope} module, which is what the Spark and Kafka hot loops need; the envelope bytes are
 * exactly those of the core.
 */
package dev.pipeseal.bench.batch;
