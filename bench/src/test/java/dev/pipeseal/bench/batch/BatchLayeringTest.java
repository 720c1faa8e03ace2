package dev.pipeseal.bench.batch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Moved with the batch package from the core's layering rules. */
class BatchLayeringTest {
  @Test
  void batchApiGoesThroughEnvelopeHandles() {
    noClasses()
        .that()
        .resideInAPackage("dev.pipeseal.bench.batch..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("javax.crypto..")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.pipeseal.bench.batch"));
  }
}
