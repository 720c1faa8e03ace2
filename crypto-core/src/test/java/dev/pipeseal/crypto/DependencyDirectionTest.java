package dev.pipeseal.crypto;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.GeneralCodingRules.NO_CLASSES_SHOULD_ACCESS_STANDARD_STREAMS;
import static com.tngtech.archunit.library.GeneralCodingRules.NO_CLASSES_SHOULD_USE_JAVA_UTIL_LOGGING;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The core depends on nothing above it, never prints, and keeps packages named for what they hold.
 */
class DependencyDirectionTest {
  private static final JavaClasses CORE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.pipeseal.crypto");

  @Test
  void coreDoesNotLogOrPrint() {
    NO_CLASSES_SHOULD_ACCESS_STANDARD_STREAMS.check(CORE);
    NO_CLASSES_SHOULD_USE_JAVA_UTIL_LOGGING.check(CORE);
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.slf4j..", "org.apache.logging..")
        .check(CORE);
  }

  @Test
  void coreDependsOnNothingAboveIt() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.pipeseal.kms..",
            "dev.pipeseal.spark..",
            "dev.pipeseal.kafka..",
            "dev.pipeseal.parquet..",
            "dev.pipeseal.jobs..")
        .check(CORE);
  }

  @Test
  void packagesAreNamedForWhatTheyHold() {
    noClasses()
        .should()
        .resideInAnyPackage("..util..", "..common..", "..impl..", "..misc..", "..helpers..")
        .check(CORE);
  }
}
