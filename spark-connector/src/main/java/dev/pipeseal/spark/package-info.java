/**
 * Pipeseal for Spark: the session extension that registers the SQL functions and the Java/Scala
 * DataFrame API ({@link dev.pipeseal.spark.Pipeseal}).
 */
package dev.pipeseal.spark;
