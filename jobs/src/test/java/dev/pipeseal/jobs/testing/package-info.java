/** Small lakes for job tests: a local key store, a few tiny Parquet files, a CLI runner. */
package dev.pipeseal.jobs.testing;
