package dev.pipeseal.kms.rest;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The REST layer and the three providers on it never log or print (bodies carry keys and tokens)
 * and use no SDK: only the JDK and kms-spi. Provider packages are checked when they are on the test
 * classpath of their own module; here the shared layer.
 */
class LayeringTest {
  private static final JavaClasses REST =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.pipeseal.kms.rest");

  @Test
  void neverLogsOrPrints() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.slf4j..", "java.util.logging..", "org.apache.logging..")
        .orShould()
        .accessField(System.class, "out")
        .orShould()
        .accessField(System.class, "err")
        .check(REST);
  }

  @Test
  void usesOnlyTheJdkAndTheSpi() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages("java..", "javax..", "dev.pipeseal.kms..", "dev.pipeseal.crypto..")
        .check(REST);
  }
}
