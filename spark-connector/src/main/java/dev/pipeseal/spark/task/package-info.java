/**
 * Per-task cipher handles that generated code (and the interpreted path) call once per row: each
 * holds its data key handles, a scratch buffer and counted encryption permits for the life of one
 * task, and is closed when the task completes.
 */
package dev.pipeseal.spark.task;
