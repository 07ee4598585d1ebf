// No silent stalls: a namespace the orchestrator may not watch is named by /readyz's reason, and start
// gives up after the bounded wait (main.ts then hands the Lease on and exits).
import { readFile } from 'node:fs/promises';
import {
  CoreV1Api,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1ClusterRole,
} from '@kubernetes/client-node';
import { expect } from 'chai';
import { parse } from 'yaml';
import { defaultConfig } from '../../src/config.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { buildOrchestrator, type Orchestrator } from '../../src/orchestrator.js';
import { systemClock } from '../../src/util/clock.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { createNamespace, deleteNamespace, kubeConfigAs } from '../support/kube.js';

describe('an orchestrator whose caches cannot sync', function () {
  this.timeout(60_000);
  let admin: KubeConfig;
  let allowed: string;
  let forbidden: string;
  let orchestrator: Orchestrator | undefined;

  before(async function () {
    admin = controlPlane().kubeConfig;
    allowed = await createNamespace(admin, 'allowed');
    forbidden = await createNamespace(admin, 'forbidden');
    const role = parse(
      await readFile(new URL('../../config/rbac/role.yaml', import.meta.url), 'utf8'),
    ) as V1ClusterRole;
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await admin
      .makeApiClient(CoreV1Api)
      .createNamespacedServiceAccount({ namespace: allowed, body: { metadata: { name: 'orchestrator' } } });
    await rbac.createNamespacedRole({
      namespace: allowed,
      body: { metadata: { name: 'orchestrator', namespace: allowed }, rules: role.rules },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: allowed,
      body: {
        metadata: { name: 'orchestrator', namespace: allowed },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'orchestrator' },
        subjects: [{ kind: 'ServiceAccount', name: 'orchestrator', namespace: allowed }],
      },
    });
  });
  after(async function () {
    await orchestrator?.stop();
    await deleteNamespace(admin, allowed);
    await deleteNamespace(admin, forbidden);
  });

  it('names the kind and namespace it cannot list in /readyz, and gives up after the bounded wait', async function () {
    const config = defaultConfig();
    config.kube.namespaces = [allowed, forbidden];
    config.informer.backoff = { initialMs: 100, maxMs: 500, jitter: 0 };
    config.informer.syncTimeoutMs = 4_000;
    orchestrator = buildOrchestrator({
      kubeConfig: await kubeConfigAs(admin, allowed, 'orchestrator'),
      config,
      clock: systemClock,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
    });
    const started = Date.now();
    const outcome = orchestrator.start().then(
      () => 'started',
      (err: Error) => err,
    );
    let reason: true | string = true;
    for (let i = 0; i < 60 && !(typeof reason === 'string' && reason.includes('403')); i++) {
      await new Promise((r) => setTimeout(r, 50));
      reason = orchestrator.readiness();
    }
    expect(reason).to.be.a('string');
    expect(reason).to.match(new RegExp(`AIAnalysis in namespace ${forbidden} \\([^)]*403`));
    // The allowed namespace lists fine: it is never named with an error.
    expect(reason).to.not.include(`in namespace ${allowed} (`);
    const err = await outcome;
    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.match(/did not sync within 4000 ms/);
    expect((err as Error).message).to.include(`AIAnalysis in namespace ${forbidden}`);
    expect(Date.now() - started).to.be.below(15_000);
    expect(orchestrator.started).to.equal(false);
  });
});
