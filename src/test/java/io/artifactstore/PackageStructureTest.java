package io.artifactstore;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.artifactstore.api.ServiceException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package graph of the compiled service (README, "Architecture"): no cycle between top-level
 * packages, each layer uses only the layers below it, the core vocabulary uses nothing of ours, and
 * providers speak in failure kinds, not HTTP. An import that breaks any of it fails the build.
 */
class PackageStructureTest {

    /** Bottom up: a package may use those before it, never those after it. */
    static final List<String> LAYERS = List.of(
            "core", "config", "api", "security", "provider", "resilience", "routing", "audit", "records", "quota", "artifact",
            "idempotency", "lifecycle", "reconcile", "rest", "ops", "dev");

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.artifactstore");

    @Test
    void noCycleBetweenPackages() {
        slices().matching("io.artifactstore.(*)..").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void coreUsesNothingOfOurs() {
        classes().that().resideInAPackage("io.artifactstore.core..")
                .should().onlyDependOnClassesThat(resideOutsideOfPackage("io.artifactstore..")
                        .or(resideInAPackage("io.artifactstore.core..")))
                .check(CLASSES);
    }

    @Test
    void eachLayerUsesOnlyTheLayersBelowIt() {
        for (int i = 0; i < LAYERS.size() - 1; i++) {
            String[] above = LAYERS.subList(i + 1, LAYERS.size()).stream()
                    .map(layer -> "io.artifactstore." + layer + "..").toArray(String[]::new);
            noClasses().that().resideInAPackage("io.artifactstore." + LAYERS.get(i) + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(above)
                    .check(CLASSES);
        }
    }

    @Test
    void everyPackageHasItsPlaceInTheLayers() {
        Set<String> packages = CLASSES.stream().map(JavaClass::getPackageName)
                .filter(name -> name.startsWith("io.artifactstore."))
                .map(name -> name.substring("io.artifactstore.".length()).split("\\.")[0])
                .collect(Collectors.toSet());
        assertThat(LAYERS).as("a new package goes into LAYERS, where it belongs").containsAll(packages);
    }

    @Test
    void theProviderSpiKnowsNoProvider() {
        noClasses().that().resideInAPackage("io.artifactstore.provider")
                .should().dependOnClassesThat().resideInAPackage("io.artifactstore.provider.*..")
                .because("factories are found by CDI; a provider type is a plug-in")
                .check(CLASSES);
    }

    @Test
    void onlyTheHttpEdgeSpeaksHttpStatuses() {
        noClasses().that().resideOutsideOfPackages("io.artifactstore.api..", "io.artifactstore.idempotency..",
                        "io.artifactstore.rest..")
                .should().dependOnClassesThat().areAssignableTo(ServiceException.class)
                .because("providers fail with a StoreFailure kind and the domain with a DomainFailure kind; only api maps"
                        + " kinds to statuses, rest answers HTTP and idempotency keeps HTTP answers (README \"Architecture\")")
                .check(CLASSES);
    }
}
