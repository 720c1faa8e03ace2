/**
 * Encryption policies: which columns are encrypted under which master key (by name, glob, nested
 * parent or type), footer and file options, parsed from {@code pipeseal.parquet.*} properties or a
 * policy file, and resolved against a file's Parquet schema.
 */
package dev.pipeseal.parquet.policy;
