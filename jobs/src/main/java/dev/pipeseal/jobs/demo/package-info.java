/**
 * The quick-start job: synthetic training records (PII text and 768-d embeddings) written through
 * local Spark as a partitioned Parquet lake, encrypted by Parquet modular encryption and by the
 * Pipeseal cell functions at once; master keys rolled, the lake rotated and verified by the jobs,
 * and tampering shown to be caught.
 */
package dev.pipeseal.jobs.demo;
