/**
 * The data lake as files: recursive listing (partition folders included, hidden and {@code _}
 * entries skipped), Parquet tails read without keys, external key material files, and the atomic
 * swap every rewrite ends with.
 */
package dev.pipeseal.jobs.lake;
