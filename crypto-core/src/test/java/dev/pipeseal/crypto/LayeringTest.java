package dev.pipeseal.crypto;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.pipeseal.crypto.key.DataKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The core's promises: no logging, no file system (except the native backend's loader, which copies
 * its own library out of the jar to load it), key bytes only where cipher state is built.
 */
class LayeringTest {
  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    core =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pipeseal.crypto");
  }

  @Test
  void neverLogsNorTouchesFiles() {
    ArchRule rule =
        noClasses()
            .that()
            .doNotHaveFullyQualifiedName("dev.pipeseal.crypto.aead.NativeGcm")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "java.util.logging..", "org.slf4j..", "org.apache.logging..", "java.nio.file..")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.io.File")
            .orShould()
            .accessField(System.class, "out")
            .orShould()
            .accessField(System.class, "err");
    rule.check(core);
    // The loader touches files, but still never logs or prints.
    noClasses()
        .that()
        .haveFullyQualifiedName("dev.pipeseal.crypto.aead.NativeGcm")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.util.logging..", "org.slf4j..", "org.apache.logging..")
        .orShould()
        .accessField(System.class, "out")
        .orShould()
        .accessField(System.class, "err")
        .check(core);
  }

  @Test
  void keyMaterialIsLentOnlyToCipherState() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.pipeseal.crypto.key..", "dev.pipeseal.crypto.envelope..")
        .and()
        .doNotHaveFullyQualifiedName("dev.pipeseal.crypto.aead.RandomNonceGcm")
        .should()
        .callMethod(DataKey.class, "withMaterial", java.util.function.Function.class)
        .check(core);
  }
}
