// Storm protection survives a crash: the orchestrator process is SIGKILLed while 50 requests wait
// as duplicates on 5 originals, and started again. Decided from the cluster alone, the new process
// runs the 5 originals and nothing else, and every duplicate ends with its original's outcome.
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { SCENARIO_ANNOTATION, startSimulator, type Simulator } from '../../src/sim/index.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { targetingData } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';
import { isFinished, phaseOf } from '../support/load.js';
import { startOrchestratorProcess, type OrchestratorProcess } from '../support/orchestrator-process.js';

const ORIGINALS = 5;
const DUPLICATES = 50;
/** Originals 0-2 succeed; 3 and 4 fail at their one step. */
const succeeds = (i: number): boolean => i < 3;
const CHILD_KINDS = [
  'RemediationProcessing',
  'AIAnalysis',
  'WorkflowExecution',
  'KubernetesExecution',
] as const;

const scenario = (i: number): string =>
  JSON.stringify({
    intermediatePhases: false,
    processing: { delayMs: 0 },
    analysis: { delayMs: 0 },
    workflow: { delayMs: 0 },
    plan: [{ name: 'fix', action: 'restart' }],
    execution: { delayMs: 0, failSteps: succeeds(i) ? [] : ['fix'] },
    notification: { delayMs: 0 },
  });

const status = (o: Obj) =>
  (o.status ?? {}) as { phase?: string; reason?: string; success?: boolean; duplicateOf?: { name?: string } };

describe('storm protection across a SIGKILL of the orchestrator', function () {
  this.timeout(600_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let sim: Simulator | undefined;
  let orchestrator: OrchestratorProcess | undefined;

  before(async function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'storm-kill');
  });
  after(async function () {
    await orchestrator?.kill('SIGTERM');
    await sim?.stop();
    await deleteNamespace(kc, ns);
  });

  const start = (): OrchestratorProcess =>
    startOrchestratorProcess(controlPlane().kubeconfigPath, [ns], {}, ['--deduplicate=true']);

  function create(name: string, i: number): Promise<Obj> {
    const fingerprint = `fp:storm-kill-${i}`;
    return k.create('RemediationRequest', ns, {
      metadata: { name },
      spec: {
        targetingData: targetingData({
          signalFingerprint: fingerprint,
          resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: `app-${i}`, namespace: ns },
          annotations: { [SCENARIO_ANNOTATION]: scenario(i) },
        }),
      },
    });
  }

  it('runs exactly the 5 originals after the restart, and ends every duplicate with its original’s outcome', async function () {
    // No simulator yet: the originals work (Processing) and stay there until after the restart.
    orchestrator = start();
    const originals = Array.from({ length: ORIGINALS }, (_, i) => `orig-${i}`);
    for (const [i, name] of originals.entries()) await create(name, i);
    await k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => items.length === ORIGINALS && items.every((o) => phaseOf(o) === 'Processing'),
      120_000,
      'the originals work',
    );
    const duplicates = Array.from({ length: DUPLICATES }, (_, d) => `dup-${String(d).padStart(2, '0')}`);
    const originalOf = (d: number): number => d % ORIGINALS;
    await Promise.all(duplicates.map((name, d) => create(name, originalOf(d))));
    const blocked = await k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => {
        const held = items.filter((o) => phaseOf(o) === 'Blocked');
        return held.length === DUPLICATES ? held : undefined;
      },
      120_000,
      `${DUPLICATES} duplicates Blocked`,
    );
    for (const o of blocked) {
      const d = duplicates.indexOf(o.metadata.name);
      expect(status(o).duplicateOf?.name, o.metadata.name).to.equal(originals[originalOf(d)]);
    }

    const killed = orchestrator;
    await killed.kill('SIGKILL');
    expect((await killed.exited).signal, killed.output()).to.equal('SIGKILL');
    orchestrator = start();
    sim = await startSimulator({ kubeConfig: kc, namespaces: [ns] });

    const all = await k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => (items.length === ORIGINALS + DUPLICATES && items.every(isFinished) ? items : undefined),
      300_000,
      'every request ends',
    );
    const byName = new Map(all.map((o) => [o.metadata.name, o]));
    for (const [i, name] of originals.entries())
      expect(status(byName.get(name)!).phase, `${name}\n${orchestrator.output()}`).to.equal(
        succeeds(i) ? 'Completed' : 'Failed',
      );
    for (const [d, name] of duplicates.entries()) {
      const i = originalOf(d);
      expect(status(byName.get(name)!), name).to.deep.include({
        phase: 'Skipped',
        reason: 'Deduplicated',
        success: succeeds(i),
      });
      expect(status(byName.get(name)!).duplicateOf?.name, name).to.equal(originals[i]);
    }

    // Exactly one child of each kind per original (a one-step plan), none of any duplicate; and one
    // notification per original (success or escalation), none of a duplicate.
    const owner = (o: Obj): string =>
      (o.metadata.labels as Record<string, string> | undefined)?.['kubernaut.ai/remediation-request'] ?? '';
    for (const kind of CHILD_KINDS) {
      const children = await k.list(kind, ns);
      expect(children.map(owner).sort(), kind).to.deep.equal(originals);
    }
    const notifications = await k.list('NotificationRequest', ns);
    expect(
      notifications.map((n) => `${owner(n)}:${(n.spec as { type: string }).type}`).sort(),
      'notifications',
    ).to.deep.equal(originals.map((name, i) => `${name}:${succeeds(i) ? 'success' : 'escalation'}`));
  });
});
