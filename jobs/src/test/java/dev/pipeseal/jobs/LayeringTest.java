package dev.pipeseal.jobs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Layering of the jobs module: named packages, and only the CLI entry classes print. */
class LayeringTest {
  private static final JavaClasses JOBS =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.pipeseal.jobs");

  @Test
  void noGrabBagPackages() {
    noClasses()
        .should()
        .resideInAnyPackage("..util..", "..common..", "..impl..", "..misc..", "..helpers..")
        .check(JOBS);
  }

  @Test
  void onlyCliEntryClassesPrint() {
    noClasses()
        .that()
        .doNotHaveFullyQualifiedName(PipesealCli.class.getName())
        .and()
        .doNotHaveFullyQualifiedName(JobCommand.class.getName())
        .and()
        .resideOutsideOfPackage("dev.pipeseal.jobs.demo..")
        .should(com.tngtech.archunit.library.GeneralCodingRules.ACCESS_STANDARD_STREAMS)
        .check(JOBS);
  }

  @Test
  void jobsDoNotReachIntoKafka() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.pipeseal.kafka..", "org.apache.kafka..")
        .check(JOBS);
  }
}
