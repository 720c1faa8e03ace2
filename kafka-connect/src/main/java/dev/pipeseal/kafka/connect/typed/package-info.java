/**
 * The typed-value encoding v1 of Connect field plaintexts: one tag byte naming the type, then the
 * value. It is the encoding of the Spark connector's {@code pipeseal_encrypt}, so a Connect field
 * that lands in a lake decrypts with {@code pipeseal_decrypt(col, '<type>', '<topic>/<field>')}.
 */
package dev.pipeseal.kafka.connect.typed;
