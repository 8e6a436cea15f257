package io.artifactstore.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.stream.Stream;

/**
 * Latency histograms with a dozen buckets at the thresholds alerts and dashboards use, instead of
 * Micrometer's ~70 percentile buckets per series: HTTP requests (per route, method, status) and
 * provider calls. Enough for p50/p90/p99 by histogram_quantile and exact SLO ratios at these bounds.
 */
@Singleton
public class LatencyBuckets {

    static final Duration[] BOUNDS = Stream.of(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000)
            .map(Duration::ofMillis).toArray(Duration[]::new);

    @Produces
    @Singleton
    MeterFilter latencyBuckets() {
        double[] nanos = Stream.of(BOUNDS).mapToDouble(Duration::toNanos).toArray();
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getType() != Meter.Type.TIMER || !isLatency(id.getName())) {
                    return config;
                }
                return DistributionStatisticConfig.builder().percentilesHistogram(false).serviceLevelObjectives(nanos)
                        .build().merge(config);
            }
        };
    }

    private static boolean isLatency(String name) {
        return name.equals("http.server.requests") || name.equals("artifact_store_provider_operation");
    }
}
