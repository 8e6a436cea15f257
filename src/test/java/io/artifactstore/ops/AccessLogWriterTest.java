package io.artifactstore.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.StartupEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AccessLogWriterTest {

    @Test
    void aLineIsOneJsonRecordShapedLikeTheLogFormattersWithItsFieldsEscaped() throws Exception {
        String line = AccessLogWriter.jsonLine("GET", "/api/v1/artifacts/{id}", 404, 12, "a\"b\\c\u0001");

        assertThat(line).endsWith("}\n").doesNotContain("\u0001").hasLineCount(1);
        JsonNode record = new ObjectMapper().readTree(line);
        assertThat(record.path("loggerName").asText()).isEqualTo("io.artifactstore.access");
        assertThat(record.path("level").asText()).isEqualTo("INFO");
        assertThat(record.path("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(record.path("message").asText()).isEqualTo("GET /api/v1/artifacts/{id} 404 12 ms tenant=a\"b\\c\u0001");
        assertThat(record.path("mdc").path("route").asText()).isEqualTo("/api/v1/artifacts/{id}");
        assertThat(record.path("mdc").path("status").asText()).isEqualTo("404");
        assertThat(record.path("mdc").path("durationMs").asText()).isEqualTo("12");
        assertThat(record.path("mdc").path("tenant").asText()).isEqualTo("a\"b\\c\u0001");
    }

    @Test
    void aWriterThatFallsBehindDropsAndCountsLinesInsteadOfHoldingMore() {
        AccessLogWriter writer = new AccessLogWriter();
        writer.metrics = new SimpleMeterRegistry();
        writer.jsonLogs = false; // no writer thread: nothing drains the queue
        writer.start(new StartupEvent());

        for (int i = 0; i < 16_384 + 10; i++) {
            writer.write("GET", "/x", 200, 1, "t");
        }

        assertThat(writer.metrics.get("artifact_store_access_log_dropped").counter().count()).isEqualTo(10);
    }
}
