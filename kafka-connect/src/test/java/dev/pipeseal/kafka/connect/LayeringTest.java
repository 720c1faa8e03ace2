package dev.pipeseal.kafka.connect;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.GeneralCodingRules;
import org.junit.jupiter.api.Test;

/** Layering of the Connect plugins. */
class LayeringTest {
  private static final JavaClasses CONNECT =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.pipeseal.kafka.connect");

  @Test
  void neverTouchesHadoopSparkParquetOrTheConnectRuntime() {
    // Plugins see only connect-api; the runtime's classes differ between worker versions.
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.hadoop..",
            "org.apache.spark..",
            "org.apache.parquet..",
            "dev.pipeseal.spark..",
            "dev.pipeseal.parquet..",
            "org.apache.kafka.connect.runtime..",
            "org.apache.kafka.connect.json..")
        .check(CONNECT);
  }

  @Test
  void onlyTransformKeysUsesTheSerdesKeyClasses() {
    // The serializer's key classes are internal to kafka-serdes; one adapter keeps a rename cheap.
    noClasses()
        .that()
        .doNotHaveSimpleName("TransformKeys")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.pipeseal.kafka.keys..")
        .check(CONNECT);
  }

  @Test
  void libraryCodeDoesNotPrint() {
    noClasses().should(GeneralCodingRules.ACCESS_STANDARD_STREAMS).check(CONNECT);
  }

  @Test
  void packagesAreNamedForWhatTheyHold() {
    noClasses()
        .should()
        .resideInAnyPackage("..util..", "..common..", "..impl..", "..misc..", "..helpers..")
        .check(CONNECT);
  }
}
