package io.stele.replication.raft.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * The Raft core is a pure state machine: no I/O, no clock, no threads, no {@code Random}, no Netty,
 * no logging. The rule is also run against a fixture that breaks it, proving it can fail.
 */
class CorePurityTest {
  static final ArchRule CORE_IS_PURE =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "java.nio..",
              "java.io..",
              "java.time..",
              "java.util.concurrent..",
              "java.net..",
              "io.netty..",
              "org.slf4j..",
              "org.agrona..")
          .orShould()
          .dependOnClassesThat()
          .haveFullyQualifiedName("java.util.Random")
          .orShould()
          .dependOnClassesThat()
          .haveFullyQualifiedName("java.lang.Thread")
          .orShould()
          .dependOnClassesThat()
          .haveFullyQualifiedName("java.lang.System")
          .orShould()
          .dependOnClassesThat()
          .haveFullyQualifiedName("java.lang.Runtime")
          .because("the Raft core must be deterministic: time, randomness and I/O are injected");

  @Test
  void coreShouldImportNoIoClockThreadsOrRandom() {
    final JavaClasses core =
        new ClassFileImporter().importPath(Paths.get("target/classes/io/stele/replication/raft"));
    assertTrue(core.size() >= 10, "imported the core classes: " + core.size());
    CORE_IS_PURE.check(core);
  }

  @Test
  void ruleShouldFailOnAFixtureThatUsesRandomAndTheClock() {
    final JavaClasses fixture =
        new ClassFileImporter()
            .importPath(Paths.get("target/test-classes/io/stele/replication/raft/archfixture"));
    assertTrue(fixture.size() >= 1);
    final AssertionError e = assertThrows(AssertionError.class, () -> CORE_IS_PURE.check(fixture));
    assertTrue(e.getMessage().contains("java.util.Random"), e.getMessage());
    assertTrue(e.getMessage().contains("java.lang.System"), e.getMessage());
  }
}
