package io.stele.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The module arrows of DESIGN §4, checked on the compiled classes: engine imports neither Netty nor
 * replication; net and replication never import each other; nothing but server imports server; perf
 * imports nothing internal. The same rules run against {@code io.stele.archfixture}, classes that
 * break each arrow on purpose, and must fail there: proof the rules can fail.
 */
class ArchitectureTest {

  /** The rules, parameterised by the root package so the fixtures can be checked too. */
  static List<ArchRule> rules(final String root) {
    return List.of(
        noClasses()
            .that()
            .resideInAPackage(root + ".engine..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "io.netty..",
                root + ".replication..",
                root + ".net..",
                root + ".server..",
                root + ".perf..")
            .as("engine imports neither Netty nor replication, net, server or perf"),
        noClasses()
            .that()
            .resideInAPackage(root + ".net..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(root + ".replication..", root + ".server..", root + ".perf..")
            .as("net never imports replication, server or perf"),
        noClasses()
            .that()
            .resideInAPackage(root + ".replication..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(root + ".net..", root + ".server..", root + ".perf..")
            .as("replication never imports net, server or perf"),
        noClasses()
            .that()
            .resideInAPackage(root + ".perf..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                root + ".engine..", root + ".net..", root + ".replication..", root + ".server..")
            .as("perf is a black box: it imports nothing internal"));
  }

  private static JavaClasses importPackages(final String... packages) {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages(packages);
  }

  @Test
  void shouldKeepTheModuleArrowsOfTheDesign() {
    final JavaClasses classes =
        importPackages(
            "io.stele.engine",
            "io.stele.net",
            "io.stele.replication",
            "io.stele.perf",
            "io.stele.server");
    for (final String module : List.of("engine", "net", "replication", "perf", "server")) {
      assertTrue(
          classes.stream().anyMatch(c -> c.getPackageName().startsWith("io.stele." + module)),
          "no class of module " + module + " was imported: the check would be vacuous");
    }
    for (final ArchRule rule : rules("io.stele")) {
      rule.check(classes);
    }
  }

  @Test
  void shouldFailEveryRuleOnClassesThatBreakTheArrows() {
    final JavaClasses fixtures = new ClassFileImporter().importPackages("io.stele.archfixture");
    final List<ArchRule> rules = rules("io.stele.archfixture");
    final String[] offenders = {
      "EngineUsingNetty", "NetClass", "ReplicationClass", "PerfClass",
    };
    for (int i = 0; i < rules.size(); i++) {
      final EvaluationResult result = rules.get(i).evaluate(fixtures);
      assertTrue(result.hasViolation(), "rule did not fire: " + rules.get(i).getDescription());
      final String report = result.getFailureReport().toString();
      assertTrue(
          report.contains(offenders[i]),
          "rule '"
              + rules.get(i).getDescription()
              + "' did not name "
              + offenders[i]
              + ": "
              + report);
    }
    final String engineReport = rules.get(0).evaluate(fixtures).getFailureReport().toString();
    assertTrue(engineReport.contains("io.netty.buffer.ByteBuf"), engineReport);
    assertTrue(engineReport.contains("EngineUsingReplication"), engineReport);
  }

  @Test
  void shouldPassOnFixturesThatKeepTheArrows() {
    final JavaClasses onlyServer =
        new ClassFileImporter().importPackages("io.stele.archfixture.server");
    for (final ArchRule rule : rules("io.stele.archfixture")) {
      assertFalse(
          rule.allowEmptyShould(true).evaluate(onlyServer).hasViolation(), rule.getDescription());
    }
  }
}
