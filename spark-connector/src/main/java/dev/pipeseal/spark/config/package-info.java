/** The {@code spark.pipeseal.*} settings: one immutable record, parsed in one place. */
package dev.pipeseal.spark.config;
