package dev.pipeseal.spark.task;

import org.apache.spark.TaskContext;

/** Ties a handle's lifetime to the running task (no task: the driver's interpreted path). */
final class TaskScope {
  private TaskScope() {}

  static void closeOnCompletion(AutoCloseable handle) {
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener(
          new org.apache.spark.util.TaskCompletionListener() {
            @Override
            public void onTaskCompletion(TaskContext context) {
              try {
                handle.close();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }
          });
    }
  }
}
