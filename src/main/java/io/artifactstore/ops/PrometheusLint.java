package io.artifactstore.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The exposition passes Prometheus's own lint ({@code promtool check metrics}, run by OperationsTest):
 * what libraries register is adjusted as it is registered. Our own meters need none of it.
 */
@Singleton
public class PrometheusLint {

    private static final Map<String, String> SOURCES = Map.of(
            "ft.", "SmallRye Fault Tolerance, around each provider call (see its metrics reference)",
            "http.server.", "Vert.x HTTP server of the API port",
            "netty.", "Netty, under the HTTP server and the database client");

    /**
     * Left out: Vert.x's long-task timer of open connections, written as a summary whose samples
     * ({@code _active_count}, {@code _duration_sum}) are not a summary's ({@code http_server_active_requests}
     * still counts what is in flight); the JVM's CPU time in nanoseconds, a unit in the name
     * ({@code process_cpu_usage} stays); and two gauges their libraries register twice under one id, so
     * that only the first one's value was ever exported and the second was a warning at every start:
     * Netty's {@code netty.eventexecutor.workers} and the PostgreSQL client's gauges ({@code postgresql.current},
     * {@code postgresql.queue.size}, one registration per pool); Quarkus' own {@code sql_pool_*} report the pool.
     */
    @Produces
    @Singleton
    MeterFilter unlintable() {
        return MeterFilter.deny(id -> (id.getName().equals("http.server.connections") && id.getType() == Meter.Type.LONG_TASK_TIMER)
                || id.getName().equals("process.cpu.time") || id.getName().equals("netty.eventexecutor.workers")
                || (id.getName().startsWith("postgresql.") && id.getType() == Meter.Type.GAUGE));
    }

    /**
     * Names and tags in snake_case (SmallRye Fault Tolerance's {@code ft.bulkhead.executionsRunning}
     * becomes {@code ft_bulkhead_executions_running}, the PostgreSQL client's {@code clientName} tag
     * {@code client_name}); {@code system.cpu.count}, a gauge, must not end in {@code _count}; and a HELP
     * text for every family, without the escaped double quote Micrometer writes for the JVM's cpu meters.
     */
    @Produces
    @Singleton
    MeterFilter lintedNames() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String name = id.getName().equals("system.cpu.count") ? "system.cpus" : snakeCase(id.getName());
                List<Tag> tags = id.getTags().stream().map(tag -> Tag.of(snakeCase(tag.getKey()), tag.getValue())).toList();
                return new Meter.Id(name, Tags.of(tags), id.getBaseUnit(), help(id), id.getType());
            }
        };
    }

    static String snakeCase(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static String help(Meter.Id id) {
        String description = id.getDescription();
        if (description != null && !description.isBlank()) {
            return description.replace('"', '\'');
        }
        return SOURCES.entrySet().stream().filter(source -> id.getName().startsWith(source.getKey())).findFirst()
                .map(source -> id.getName() + ": from " + source.getValue())
                .orElse(id.getName() + ": registered without a description by a library");
    }
}
