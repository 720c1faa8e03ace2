package dev.pipeseal.spark;

import dev.pipeseal.spark.sql.PipesealFunctions;
import org.apache.spark.sql.SparkSessionExtensions;
import scala.Function1;
import scala.runtime.BoxedUnit;

/**
 * {@code spark.sql.extensions=dev.pipeseal.spark.PipesealExtensions}: registers the Pipeseal SQL
 * functions in every session (SQL, Java, Scala and PySpark through SQL or {@code expr}).
 */
public final class PipesealExtensions implements Function1<SparkSessionExtensions, BoxedUnit> {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    PipesealFunctions.all().forEach(extensions::injectFunction);
    return BoxedUnit.UNIT;
  }
}
