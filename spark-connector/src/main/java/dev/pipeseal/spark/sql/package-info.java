/**
 * The Pipeseal SQL functions: Catalyst expressions (code-generated) and the builders that turn
 * function calls into them, resolving master key names to key references on the driver.
 */
package dev.pipeseal.spark.sql;
