import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { SCENARIO_ANNOTATION, startSimulator, type Simulator } from '../../src/sim/index.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { targetingData } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';
import { startOrchestratorProcess, type OrchestratorProcess } from '../support/orchestrator-process.js';

const scenario = JSON.stringify({
  processing: { delayMs: 0 },
  analysis: { delayMs: 0 },
  workflow: { delayMs: 0 },
  execution: { delayMs: 0 },
  notification: { delayMs: 0 },
  plan: [{ name: 'a', action: 'x' }],
});
const completed = (name: string) => (items: Obj[]) =>
  items.find((o) => o.metadata.name === name && (o.status as { phase?: string })?.phase === 'Completed')
    ? true
    : undefined;

describe('two replicas with leader election', function () {
  this.timeout(180_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let sim: Simulator;
  const replicas = new Map<string, OrchestratorProcess>();

  before(async function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'leader');
    sim = await startSimulator({ kubeConfig: kc, namespaces: [ns] });
  });
  after(async function () {
    for (const r of replicas.values()) await r.kill();
    await sim?.stop();
    await deleteNamespace(kc, ns);
  });

  const create = (name: string) =>
    k.create('RemediationRequest', ns, {
      metadata: { name },
      spec: { targetingData: targetingData({ annotations: { [SCENARIO_ANNOTATION]: scenario } }) },
    });
  async function holder(): Promise<string | undefined> {
    const lease = await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'remediation-orchestrator', namespace: ns })
      .catch(() => undefined);
    return lease?.spec?.holderIdentity || undefined;
  }

  it('lets one replica hold the Lease and hands the work to the standby when the leader is killed', async function () {
    for (const id of ['replica-a', 'replica-b']) {
      replicas.set(
        id,
        startOrchestratorProcess(controlPlane().kubeconfigPath, [ns], {}, [
          '--leader-elect',
          `--leader-election-namespace=${ns}`,
          `--leader-election-identity=${id}`,
          '--leader-election-lease-duration=4s',
          '--leader-election-renew-deadline=3s',
          '--leader-election-retry-period=500ms',
        ]),
      );
    }
    const outputs = () => [...replicas].map(([id, r]) => `--- ${id}:\n${r.output().slice(-3000)}`).join('\n');
    await create('first');
    await k
      .waitUntil('RemediationRequest', ns, completed('first'), 90_000, 'the first request completes')
      .catch((err: Error) => {
        throw new Error(`${err.message}\n${outputs()}`);
      });
    const leader = await holder();
    expect(leader).to.be.oneOf(['replica-a', 'replica-b']);
    const standby = leader === 'replica-a' ? 'replica-b' : 'replica-a';

    const killedAt = Date.now();
    await replicas.get(leader!)!.kill('SIGKILL');
    replicas.delete(leader!);
    await create('second');
    await k
      .waitUntil(
        'RemediationRequest',
        ns,
        completed('second'),
        90_000,
        `the standby (${standby}) takes over and completes the second request`,
      )
      .catch(async (err: Error) => {
        throw new Error(`${err.message.slice(0, 300)}\nLease holder: ${await holder()}\n${outputs()}`);
      });
    expect(await holder()).to.equal(standby);
    // Fail-over is bounded by the lease duration (4 s) plus a renewal period; generous margin for a loaded machine.
    expect(Date.now() - killedAt).to.be.below(60_000);
    const children = await k.list('KubernetesExecution', ns, 'kubernaut.ai/remediation-request=second');
    expect(children).to.have.length(1);
  });
});
