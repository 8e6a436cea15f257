package io.artifactstore.ops;

import io.artifactstore.config.ArtifactStoreConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The heap budgets clients can fill (README, "Configuration reference") are sized for the documented
 * heap; a smaller heap, or larger budgets, could let clients fill it before any budget refuses them.
 */
@ApplicationScoped
public class HeapBudgets {

    private static final Logger LOG = Logger.getLogger(HeapBudgets.class);

    /** What the budgets may take together, leaving the rest to the live set and the collector. */
    static final double SHARE_OF_HEAP = 2.0 / 3;

    void check(@Observes StartupEvent started, ArtifactStoreConfig config) {
        long budgets = config.uploads().streamBufferBudget().asLongValue() + config.responses().maxBacklog().asLongValue()
                + config.api().maxBufferedBodies().asLongValue();
        long heap = Runtime.getRuntime().maxMemory();
        if (budgets > heap * SHARE_OF_HEAP) {
            LOG.warnf("The heap budgets (artifact-store.uploads.stream-buffer-budget + responses.max-backlog + api.max-buffered-bodies"
                    + " = %d MiB) exceed %d%% of the heap (%d MiB): lower them or raise -Xmx", budgets >> 20, (int) (SHARE_OF_HEAP * 100), heap >> 20);
        }
    }
}
