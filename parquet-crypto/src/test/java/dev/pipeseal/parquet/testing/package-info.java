/** Test tables and key sources shared by the Parquet tests. */
package dev.pipeseal.parquet.testing;
