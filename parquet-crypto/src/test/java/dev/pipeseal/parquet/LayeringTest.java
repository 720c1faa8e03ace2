package dev.pipeseal.parquet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.GeneralCodingRules;
import org.junit.jupiter.api.Test;

/** Layering of the Parquet plugins: Spark only in the helper, nothing above, nothing printed. */
class LayeringTest {
  private static final JavaClasses PARQUET =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.pipeseal.parquet");

  @Test
  void onlyTheSparkHelperTouchesSpark() {
    // Plain parquet-java and Hive writers load the plugins without Spark on the classpath.
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.pipeseal.parquet.spark..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.spark..", "scala..")
        .check(PARQUET);
  }

  @Test
  void dependsOnNothingAboveIt() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.pipeseal.spark..",
            "dev.pipeseal.kafka..",
            "dev.pipeseal.jobs..",
            "org.apache.kafka..")
        .check(PARQUET);
  }

  @Test
  void libraryCodeDoesNotPrint() {
    noClasses().should(GeneralCodingRules.ACCESS_STANDARD_STREAMS).check(PARQUET);
  }

  @Test
  void packagesAreNamedForWhatTheyHold() {
    noClasses()
        .should()
        .resideInAnyPackage("..util..", "..common..", "..impl..", "..misc..", "..helpers..")
        .check(PARQUET);
  }
}
