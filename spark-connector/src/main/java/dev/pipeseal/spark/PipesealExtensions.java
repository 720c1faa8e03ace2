package dev.pipeseal.spark;

import dev.pipeseal.spark.sql.PipesealFunctions;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.SparkSessionExtensionsProvider;
import scala.runtime.BoxedUnit;

/**
 * Registers the Pipeseal SQL functions in every session (SQL, Java, Scala and PySpark through SQL
 * or {@code expr}).
 *
 * <p>Spark finds it two ways: by {@code spark.sql.extensions=dev.pipeseal.spark.PipesealExtensions}
 * and, because the jar lists it in {@code
 * META-INF/services/org.apache.spark.sql.SparkSessionExtensionsProvider}, by itself as soon as the
 * jar is on the classpath ({@code --jars}). A session configured both ways calls it twice with the
 * same {@link SparkSessionExtensions}; the second call is skipped so the functions are injected
 * once.
 */
public final class PipesealExtensions implements SparkSessionExtensionsProvider {
  // Weak keys: a session's extensions object must not outlive the session because we saw it.
  private static final Set<SparkSessionExtensions> APPLIED =
      Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    if (APPLIED.add(extensions)) {
      PipesealFunctions.all().forEach(extensions::injectFunction);
    }
    return BoxedUnit.UNIT;
  }
}
