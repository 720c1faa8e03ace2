package dev.pipeseal.spark;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.pipeseal.crypto.key.DataKey;
import org.junit.jupiter.api.Test;

/** Layering of the Spark connector: nothing above it, no key bytes, no printing. */
class LayeringTest {
  private static final JavaClasses SPARK =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.pipeseal.spark");

  @Test
  void connectorDependsOnNothingAboveIt() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.pipeseal.kafka..",
            "dev.pipeseal.parquet..",
            "dev.pipeseal.jobs..",
            "org.apache.kafka..",
            "org.apache.parquet..")
        .check(SPARK);
  }

  @Test
  void onlyTheCoreAndTheBridgeTouchKeyMaterial() {
    noClasses()
        .should()
        .callMethod(DataKey.class, "withMaterial", java.util.function.Function.class)
        .check(SPARK);
  }

  @Test
  void libraryCodeDoesNotPrint() {
    noClasses()
        .should(com.tngtech.archunit.library.GeneralCodingRules.ACCESS_STANDARD_STREAMS)
        .check(SPARK);
  }

  @Test
  void packagesAreNamedForWhatTheyHold() {
    noClasses()
        .should()
        .resideInAnyPackage("..util..", "..common..", "..impl..", "..misc..", "..helpers..")
        .check(SPARK);
  }
}
