package io.artifactstore;

import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnitAccess;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * Facts the service reads in one place (README, "Architecture"): the time, from the one clock, so
 * tests move it and every rule sees the same; whether a client hung up, from one predicate, so every
 * route treats a hang-up alike.
 */
class OnePlaceTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.artifactstore");

    /**
     * The classes that may read the system's clock, and what they may call. {@code System.nanoTime()}
     * is no clock in this sense and stays allowed everywhere: a monotonic count for measuring how long
     * something took (the access log's latency, the event loop watchdog, lingering), never read as a date.
     */
    private static final Map<String, Set<String>> MAY_READ_THE_SYSTEM_CLOCK = Map.of(
            // It makes the clocks everyone else injects: the service's and the wall clock.
            "io.artifactstore.core.ServiceClock", Set.of("java.time.Clock.systemUTC"),
            // An id's time only orders ids as they were made (newest first); no rule reads it back as a time.
            "io.artifactstore.core.Ulid", Set.of("java.lang.System.currentTimeMillis"),
            // A log line's timestamp says when it was written.
            "io.artifactstore.ops.AccessLogWriter", Set.of("java.time.Instant.now"));

    @Test
    void onlyTheClockReadsTheSystemClock() {
        classes().should(readTheSystemClockOnlyWhereAllowed())
                .because("time comes from the injected java.time.Clock (core.ServiceClock), which tests move")
                .check(CLASSES);
    }

    @Test
    void aHangUpIsRecognisedInOnePlace() {
        noClasses().that().doNotHaveFullyQualifiedName("io.artifactstore.api.HangUps")
                .should().dependOnClassesThat().haveFullyQualifiedName("io.vertx.core.http.HttpClosedException")
                .because("api.HangUps.isClientGone says whether a client hung up, for every route")
                .check(CLASSES);
    }

    private static ArchCondition<JavaClass> readTheSystemClockOnlyWhereAllowed() {
        return new ArchCondition<>("read the system clock only where allowed") {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                Set<String> allowed = MAY_READ_THE_SYSTEM_CLOCK.getOrDefault(topLevel(item).getName(), Set.of());
                for (JavaCodeUnitAccess<?> access : item.getCodeUnitAccessesFromSelf()) {
                    String read = systemClockRead(access.getTarget());
                    if (read != null && !allowed.contains(read)) {
                        events.add(SimpleConditionEvent.violated(access, access.getDescription()));
                    }
                }
            }
        };
    }

    /** What {@code target} reads of the system's clock, as "owner.name", or null when it reads none. */
    private static String systemClockRead(AccessTarget.CodeUnitAccessTarget target) {
        String owner = target.getOwner().getName();
        String name = target.getName();
        List<String> parameters = target.getRawParameterTypes().stream().map(JavaClass::getName).toList();
        boolean reads = switch (owner) {
            case "java.lang.System" -> name.equals("currentTimeMillis");
            case "java.time.Clock" -> name.equals("systemUTC") || name.equals("systemDefaultZone") || name.equals("system");
            case "java.time.InstantSource" -> name.equals("system");
            case "java.util.Date", "java.util.GregorianCalendar" -> name.equals("<init>") && parameters.isEmpty();
            case "java.util.Calendar" -> name.equals("getInstance");
            // Instant.now(), LocalDate.now(zone), ZonedDateTime.now()...: now(clock) is the way to ask.
            default -> owner.startsWith("java.time.") && (name.equals("now") || name.equals("dateNow"))
                    && !parameters.equals(List.of("java.time.Clock"));
        };
        return reads ? owner + "." + name : null;
    }

    private static JavaClass topLevel(JavaClass type) {
        JavaClass outer = type;
        while (outer.getEnclosingClass().isPresent()) {
            outer = outer.getEnclosingClass().get();
        }
        return outer;
    }
}
