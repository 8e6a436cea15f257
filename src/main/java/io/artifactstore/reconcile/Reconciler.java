package io.artifactstore.reconcile;

import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.security.Caller;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.DomainFailure;
import io.artifactstore.core.StoreFailure;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.ObjectListing;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.resilience.ResilientProvider;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;

/**
 * Starts reconciliation jobs in the background and answers their status from the table, so any
 * replica can. A job runs on the replica that started it; if that replica dies, its heartbeat stops
 * and the next status request reports it FAILED after {@code artifact-store.reconcile.stale-after}.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    /** The subject of a job's changes in the audit trail (system:reconciler); the event of its start names the admin. */
    static final String SUBJECT = "reconciler";

    @Inject
    ProviderRegistry providers;

    @Inject
    ReconcileStatements statements;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Clock clock;

    @Inject
    AuditTrail audit;

    /** Records a RUNNING job and starts it; the answer does not wait for the walk. */
    public Uni<ReconcileJob> start(Caller caller, String providerName, String prefix, boolean apply) {
        String tenant = caller.tenantId();
        ResilientProvider provider = providers.find(providerName)
                .orElseThrow(() -> DomainFailure.invalidField("provider", "names no configured provider"));
        ObjectListing listing = provider.ability(ObjectListing.class)
                .orElseThrow(() -> DomainFailure.invalidField("provider", "cannot list its objects"));
        ReconcileJob job = new ReconcileJob(Ulid.next(), tenant, providerName, prefix, apply, ReconcileJob.RUNNING,
                ReconcileJob.Counters.NONE, null, clock.instant(), null);
        AuditEvent started = AuditEvent.succeeded(caller, AuditAction.RECONCILE_START, null, null, job.startedAt())
                .withDetail("job " + job.id() + " of provider " + providerName + ", prefix '" + prefix + "', apply=" + apply);
        return statements.insert(job, started).invoke(() -> {
            LOG.infof("Reconciliation %s of provider %s (prefix '%s', apply=%s) started", job.id(), providerName, prefix, apply);
            new ReconcileRun(job, provider, listing, statements, audit, clock, config.lifecycle().orphanGrace(),
                    config.reconcile().pageSize()).run()
                    .subscribe().with(counters -> finished(job, counters), failure -> failed(job, failure));
        }).replaceWith(job);
    }

    /** The tenant's job, or null. */
    public Uni<ReconcileJob> find(String tenant, String id) {
        return statements.find(tenant, id, clock.instant().minus(config.reconcile().staleAfter()), clock.instant());
    }

    private void finished(ReconcileJob job, ReconcileJob.Counters counters) {
        statements.finish(job.id(), ReconcileJob.DONE, null, clock.instant()).subscribe().with(
                done -> LOG.infof("Reconciliation %s done: %s", job.id(), counters),
                failure -> LOG.warnf("Reconciliation %s is done but could not be recorded so: %s", job.id(), failure.getClass().getName()));
    }

    /** A failure is recorded by its kind, never its message: a store's message may name keys or endpoints. */
    private void failed(ReconcileJob job, Throwable failure) {
        if (failure instanceof ReconcileRun.Abandoned) {
            LOG.warnf("Reconciliation %s stopped: it was reported stale", job.id());
            return;
        }
        String why = failure instanceof StoreFailure f
                ? "The provider failed (" + f.kind().name().toLowerCase(java.util.Locale.ROOT) + ")"
                : "The job failed (" + failure.getClass().getSimpleName() + ")";
        LOG.warnf("Reconciliation %s failed: %s", job.id(), why);
        statements.finish(job.id(), ReconcileJob.FAILED, why, clock.instant()).subscribe().with(
                done -> { },
                again -> LOG.warnf("Reconciliation %s failed and could not be recorded so: %s", job.id(), again.getClass().getName()));
    }
}
