package dev.pipeseal.kafka;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.GeneralCodingRules;
import org.junit.jupiter.api.Test;

/** Layering of the Kafka serdes: no Hadoop, Spark or Parquet, nothing printed, honest packages. */
class LayeringTest {
  private static final JavaClasses SERDES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.pipeseal.kafka");

  @Test
  void neverTouchesHadoopSparkOrParquet() {
    // A Kafka producer must not need any of them on its classpath.
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.hadoop..",
            "org.apache.spark..",
            "org.apache.parquet..",
            "dev.pipeseal.spark..",
            "dev.pipeseal.parquet..",
            "dev.pipeseal.jobs..")
        .check(SERDES);
  }

  @Test
  void libraryCodeDoesNotPrint() {
    noClasses().should(GeneralCodingRules.ACCESS_STANDARD_STREAMS).check(SERDES);
  }

  @Test
  void packagesAreNamedForWhatTheyHold() {
    noClasses()
        .should()
        .resideInAnyPackage("..util..", "..common..", "..impl..", "..misc..", "..helpers..")
        .check(SERDES);
  }

  @Test
  void jacksonAndAvroStayInTheFieldPackage() {
    // They are optional: only the field modes that need them may load them.
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.pipeseal.kafka.field..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("com.fasterxml.jackson..", "org.apache.avro..")
        .check(SERDES);
  }
}
