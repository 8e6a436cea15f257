package io.artifactstore.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Prometheus's own linter on an exposition: {@code promtool check metrics}. promtool comes with the
 * Debian package `prometheus`, which `.ci/run` installs; without it a test is skipped, saying so, unless
 * the variable CI is set, where its absence fails.
 */
public final class Promtool {

    private Promtool() {
    }

    /** promtool's exit code when the exposition parses but its lint has remarks. */
    private static final int LINT_PROBLEMS = 3;

    /**
     * "x_total no help text" where the family x has its HELP: the Prometheus Java client 1.x writes a
     * counter's HELP under its family name (without _total), which Debian's promtool 2.42 lints against
     * the sample name. Prometheus itself reads it as the help of x_total. Any other remark counts.
     */
    private static boolean isHelpOfCounterFamily(String problem, String exposition) {
        Matcher remark = Pattern.compile("^(\\S+)_total no help text$").matcher(problem);
        return remark.matches() && Pattern.compile("(?m)^# TYPE " + Pattern.quote(remark.group(1)) + " counter$").matcher(exposition).find()
                && Pattern.compile("(?m)^# HELP " + Pattern.quote(remark.group(1)) + " \\S").matcher(exposition).find();
    }

    /** What promtool reports about the exposition; empty when it finds nothing. */
    public static String checkMetrics(String exposition) throws IOException, InterruptedException {
        Path promtool = onPath("promtool").orElse(null);
        if (promtool == null) {
            if (System.getenv("CI") != null) {
                throw new IllegalStateException("promtool is not on the PATH (apt-get install prometheus)");
            }
            assumeTrue(false, "promtool is not installed (apt-get install prometheus); the exposition is not linted here");
        }
        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        check.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        check.getOutputStream().close();
        String report = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .filter(problem -> !isHelpOfCounterFamily(problem, exposition)).collect(Collectors.joining("\n"));
        int exit = check.waitFor();
        return report.isEmpty() && (exit == 0 || exit == LINT_PROBLEMS) ? "" : "exit " + exit + ": " + report;
    }

    public static Optional<Path> onPath(String name) {
        return Stream.of(System.getenv("PATH").split(":")).map(dir -> Path.of(dir, name)).filter(Files::isExecutable).findFirst();
    }
}
