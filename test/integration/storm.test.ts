// Storm protection against the real API server: each rule blocks, says why, lets go by itself, and
// is off at 0; the writes a suppressed request costs; requests of one fingerprint arriving in the
// same second; a restart while requests wait on their originals.
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { FINALIZER, type RemediationRequest } from '../../src/api/index.js';
import type { Config } from '../../src/config.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { remediationRequest, targetingData } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';
import { STORM_OFF, startOrchestrator, type RunningOrchestrator } from '../support/orchestrator.js';

const status = (o: Obj | undefined) => (o?.status ?? {}) as Record<string, unknown> & { phase?: string };
const byName = (name: string) => (items: Obj[]) => items.find((o) => o.metadata.name === name);

describe('storm protection', function () {
  this.timeout(120_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let orchestrator: RunningOrchestrator | undefined;

  before(function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
  });
  beforeEach(async function () {
    ns = await createNamespace(kc, 'storm');
  });
  afterEach(async function () {
    await orchestrator?.stop();
    orchestrator = undefined;
    await deleteNamespace(kc, ns);
  });

  async function start(storm: Partial<Config['storm']>): Promise<RunningOrchestrator> {
    orchestrator = await startOrchestrator(kc, [ns], (c) => (c.storm = { ...STORM_OFF, ...storm }));
    return orchestrator;
  }

  let fingerprintSeq = 0;
  const freshFingerprint = (): string => `fp:storm-${Date.now()}-${fingerprintSeq++}`;

  function create(name: string, targeting: Record<string, unknown> = {}): Promise<Obj> {
    const body = remediationRequest(name);
    (body.spec as { targetingData: unknown }).targetingData = targetingData(targeting);
    return k.create('RemediationRequest', ns, body);
  }
  const waitFor = (name: string, what: string, check: (o: Obj) => boolean, timeout = 30_000) =>
    k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => {
        const o = byName(name)(items);
        return o && check(o) ? o : undefined;
      },
      timeout,
      `${name}: ${what}`,
    );
  const waitPhase = (name: string, phase: string, timeout?: number) =>
    waitFor(name, `reaches ${phase}`, (o) => status(o).phase === phase, timeout);
  const child = (kind: Parameters<Objects['waitUntil']>[0], name: string) =>
    k.waitUntil(kind, ns, byName(name), 30_000, `${kind} ${name} exists`);
  const childrenOf = async (rr: string): Promise<number> => {
    const selector = `kubernaut.ai/remediation-request=${rr}`;
    const kinds = [
      'RemediationProcessing',
      'AIAnalysis',
      'WorkflowExecution',
      'KubernetesExecution',
    ] as const;
    const lists = await Promise.all(kinds.map((kind) => k.list(kind, ns, selector)));
    return lists.reduce((n, l) => n + l.length, 0);
  };
  const notifications = async (rr: string, type: string): Promise<Obj[]> =>
    (await k.list('NotificationRequest', ns, `kubernaut.ai/remediation-request=${rr}`)).filter(
      (n) => (n.spec as { type?: string }).type === type,
    );

  /** Drives a request's children to a planned one-step workflow. */
  async function toPlanned(name: string): Promise<void> {
    await child('RemediationProcessing', `${name}-processing`);
    await k.patchStatus('RemediationProcessing', ns, `${name}-processing`, { phase: 'Completed' });
    await child('AIAnalysis', `${name}-aianalysis`);
    await k.patchStatus('AIAnalysis', ns, `${name}-aianalysis`, {
      phase: 'Ready',
      investigationResult: { rootCause: 'x', recommendations: [{ name: 'fix', action: 'restart' }] },
    });
    await child('WorkflowExecution', `${name}-workflow`);
    await k.patchStatus('WorkflowExecution', ns, `${name}-workflow`, {
      phase: 'Planned',
      plan: { steps: [{ name: 'fix', action: 'restart', dependsOn: [] }] },
    });
  }
  async function finishStep(name: string, phase: 'Completed' | 'Failed'): Promise<void> {
    await child('KubernetesExecution', `${name}-step-fix`);
    await k.patchStatus('KubernetesExecution', ns, `${name}-step-fix`, { phase });
  }
  async function remediate(name: string, phase: 'Completed' | 'Failed' = 'Completed'): Promise<void> {
    await toPlanned(name);
    await finishStep(name, phase);
    await waitPhase(name, phase);
  }
  async function failProcessing(name: string): Promise<void> {
    await child('RemediationProcessing', `${name}-processing`);
    await k.patchStatus('RemediationProcessing', ns, `${name}-processing`, { phase: 'Failed' });
    await waitPhase(name, 'Failed');
  }

  /** Counts the writes to one request (each is a MODIFIED event of the orchestrator's own informer). */
  function countWrites(o: RunningOrchestrator, name: string): { readonly writes: number } {
    const counter = { writes: 0 };
    o.caches.onRequest((type, rr: RemediationRequest) => {
      if (type === 'modified' && rr.metadata?.name === name && rr.metadata.namespace === ns) counter.writes++;
    });
    return counter;
  }

  describe('DuplicateInProgress', function () {
    it('holds a duplicate with no child and no finalizer, then ends it with the original’s outcome in 2 writes', async function () {
      const o = await start({ deduplicate: true });
      const fp = freshFingerprint();
      await create('original', { signalFingerprint: fp });
      await waitPhase('original', 'Processing');
      const writes = countWrites(o, 'duplicate');
      await create('duplicate', { signalFingerprint: fp });
      const blocked = await waitPhase('duplicate', 'Blocked');
      expect(status(blocked)).to.deep.include({
        reason: 'DuplicateInProgress',
        blockedReason: 'DuplicateInProgress',
      });
      expect(status(blocked).duplicateOf).to.include({ name: 'original' });
      expect((status(blocked).phaseHistory as { phase: string }[]).map((h) => h.phase)).to.deep.equal([
        'Pending',
        'Blocked',
      ]);
      expect(blocked.metadata.finalizers ?? []).to.not.include(FINALIZER);
      await remediate('original');
      const skipped = await waitPhase('duplicate', 'Skipped');
      expect(status(skipped)).to.deep.include({ reason: 'Deduplicated', success: true });
      expect(await childrenOf('duplicate')).to.equal(0);
      expect(
        await k.list('NotificationRequest', ns, 'kubernaut.ai/remediation-request=duplicate'),
      ).to.have.length(0);
      expect(writes.writes).to.be.at.most(3).and.at.least(2);
      const original = await k.get('RemediationRequest', ns, 'original');
      expect(status(original).duplicates).to.equal(1);
    });

    it('lets both run when deduplicate is off', async function () {
      await start({ deduplicate: false });
      const fp = freshFingerprint();
      await create('first', { signalFingerprint: fp });
      await create('second', { signalFingerprint: fp });
      await child('RemediationProcessing', 'first-processing');
      await child('RemediationProcessing', 'second-processing');
    });

    it('runs exactly one of 100 requests of one fingerprint created at once', async function () {
      this.timeout(180_000);
      await start({ deduplicate: true });
      const fp = freshFingerprint();
      const names = Array.from({ length: 100 }, (_, i) => `same-${String(i).padStart(3, '0')}`);
      await Promise.all(names.map((n) => create(n, { signalFingerprint: fp })));
      const settled = await k.waitUntil(
        'RemediationRequest',
        ns,
        (items) =>
          items.length === 100 &&
          items.every((o) => ['Blocked', 'Processing'].includes(status(o).phase ?? ''))
            ? items
            : undefined,
        120_000,
        'every request Blocked or Processing',
      );
      const working = settled.filter((o) => status(o).phase === 'Processing');
      expect(working, 'requests working').to.have.length(1);
      expect((await k.list('RemediationProcessing', ns)).length).to.equal(1);
      // Each duplicate names the one that works: an admission is kept until the cluster shows it, so
      // no request is held behind one that is itself held (routing.ts would move it if one were).
      const original = working[0]!.metadata.name;
      for (const o of settled.filter((x) => status(x).phase === 'Blocked'))
        expect((status(o).duplicateOf as { name?: string }).name, o.metadata.name).to.equal(original);
    });
  });

  describe('RecentlyRemediated', function () {
    it('skips a request at once when its fingerprint completed moments ago', async function () {
      await start({ recentlyRemediatedMs: 60_000 });
      const fp = freshFingerprint();
      await create('fixed', { signalFingerprint: fp });
      await remediate('fixed');
      await create('again', { signalFingerprint: fp });
      const skipped = await waitPhase('again', 'Skipped');
      expect(status(skipped)).to.deep.include({ reason: 'RecentlyRemediated', success: true });
      expect(await childrenOf('again')).to.equal(0);
    });

    it('does not skip when the rule is off', async function () {
      await start({ recentlyRemediatedMs: 0 });
      const fp = freshFingerprint();
      await create('fixed', { signalFingerprint: fp });
      await remediate('fixed');
      await create('again', { signalFingerprint: fp });
      await child('RemediationProcessing', 'again-processing');
    });
  });

  describe('ConsecutiveFailures', function () {
    it('holds a fingerprint after 3 failures with one escalation, and lets it go when the cooldown ends', async function () {
      await start({ consecutiveFailures: 3, failureCooldownMs: 8_000 });
      const fp = freshFingerprint();
      for (const name of ['fail-1', 'fail-2', 'fail-3']) {
        await create(name, { signalFingerprint: fp });
        await failProcessing(name);
      }
      await create('held', { signalFingerprint: fp });
      const blocked = await waitPhase('held', 'Blocked');
      expect(status(blocked)).to.deep.include({ blockedReason: 'ConsecutiveFailures' });
      const lastFailure = Date.parse(
        status(await k.get('RemediationRequest', ns, 'fail-3')).completionTime as string,
      );
      expect(Date.parse(status(blocked).blockedUntil as string)).to.equal(lastFailure + 8_000);
      expect(await childrenOf('held')).to.equal(0);
      await k.waitUntil(
        'NotificationRequest',
        ns,
        (items) => items.length >= 4,
        30_000,
        'the block escalates',
      );
      expect(await notifications('held', 'escalation')).to.have.length(1);
      await waitPhase('held', 'Processing', 30_000);
    });

    it('does not hold when the rule is off', async function () {
      await start({ consecutiveFailures: 0, failureCooldownMs: 60_000 });
      const fp = freshFingerprint();
      for (const name of ['fail-1', 'fail-2', 'fail-3']) {
        await create(name, { signalFingerprint: fp });
        await failProcessing(name);
      }
      await create('free', { signalFingerprint: fp });
      await child('RemediationProcessing', 'free-processing');
    });
  });

  describe('ResourceBusy', function () {
    it('holds a request before Executing while another of its target executes, then lets it go', async function () {
      await start({ serializeTargets: true });
      await create('busy', { signalFingerprint: freshFingerprint() });
      await toPlanned('busy');
      await waitPhase('busy', 'Executing');
      await create('next', { signalFingerprint: freshFingerprint() });
      await toPlanned('next');
      const blocked = await waitPhase('next', 'Blocked');
      expect(status(blocked)).to.deep.include({ reason: 'ResourceBusy', blockedReason: 'ResourceBusy' });
      expect(await k.list('KubernetesExecution', ns, 'kubernaut.ai/remediation-request=next')).to.have.length(
        0,
      );
      await finishStep('busy', 'Completed');
      await waitPhase('next', 'Executing');
      await child('KubernetesExecution', 'next-step-fix');
    });

    it('lets both execute when the rule is off', async function () {
      await start({ serializeTargets: false });
      for (const name of ['one', 'two']) {
        await create(name, { signalFingerprint: freshFingerprint() });
        await toPlanned(name);
        await waitPhase(name, 'Executing');
      }
    });
  });

  describe('ExecutionLimit', function () {
    it('holds requests beyond the limit before Executing and lets the next go when a slot frees', async function () {
      await start({ maxExecuting: 1 });
      await create('slot', { signalFingerprint: freshFingerprint(), resource: undefined, alertName: 'A' });
      await toPlanned('slot');
      await waitPhase('slot', 'Executing');
      await create('waits', { signalFingerprint: freshFingerprint(), resource: undefined, alertName: 'B' });
      await toPlanned('waits');
      const blocked = await waitPhase('waits', 'Blocked');
      expect(status(blocked)).to.deep.include({ blockedReason: 'ExecutionLimit' });
      await finishStep('slot', 'Completed');
      await waitPhase('waits', 'Executing');
    });
  });

  describe('StormProtection', function () {
    it('holds requests of severity other than critical during a storm with one storm notification, then lets them go', async function () {
      this.timeout(180_000);
      await start({ stormThreshold: 4 });
      const names = Array.from({ length: 6 }, (_, i) => `storm-${i}`);
      for (const name of names)
        await create(name, { signalFingerprint: freshFingerprint(), severity: 'warning' });
      await create('urgent', { signalFingerprint: freshFingerprint(), severity: 'critical' });
      const held = await k.waitUntil(
        'RemediationRequest',
        ns,
        (items) => {
          const blocked = items.filter((o) => status(o).blockedReason === 'StormProtection');
          return blocked.length >= 2 ? blocked : undefined;
        },
        30_000,
        'the storm holds requests',
      );
      for (const o of held) expect(await childrenOf(o.metadata.name)).to.equal(0);
      await child('RemediationProcessing', 'urgent-processing');
      const storms = await k.waitUntil(
        'NotificationRequest',
        ns,
        (items) => {
          const s = items.filter((n) => (n.spec as { type?: string }).type === 'storm');
          return s.length ? s : undefined;
        },
        30_000,
        'a storm notification',
      );
      expect(storms).to.have.length(1);
      expect((storms[0]!.spec as { metadata: Record<string, string> }).metadata.stormCount).to.match(
        /^[5-7]$/,
      );
      // The storm clears a minute after the arrivals: every held request then proceeds by itself.
      for (const o of held) await waitPhase(o.metadata.name, 'Processing', 120_000);
      const all = await k.list('NotificationRequest', ns);
      expect(all.filter((n) => (n.spec as { type?: string }).type === 'storm')).to.have.length(1);
    });

    it('holds nothing when the rule is off', async function () {
      await start({ stormThreshold: 0 });
      for (let i = 0; i < 6; i++)
        await create(`calm-${i}`, { signalFingerprint: freshFingerprint(), severity: 'warning' });
      for (let i = 0; i < 6; i++) await child('RemediationProcessing', `calm-${i}-processing`);
    });
  });

  describe('BlockedTooLong', function () {
    it('ends a request Blocked longer than --max-blocked Skipped, with one escalation', async function () {
      await start({ deduplicate: true, maxBlockedMs: 3_000 });
      const fp = freshFingerprint();
      await create('stuck', { signalFingerprint: fp });
      await waitPhase('stuck', 'Processing');
      await create('waiting', { signalFingerprint: fp });
      await waitPhase('waiting', 'Blocked');
      const skipped = await waitPhase('waiting', 'Skipped', 30_000);
      expect(status(skipped)).to.deep.include({ reason: 'BlockedTooLong', success: false });
      await k.waitUntil('NotificationRequest', ns, (items) => items.length > 0, 30_000, 'an escalation');
      expect(await notifications('waiting', 'escalation')).to.have.length(1);
    });
  });

  describe('restart', function () {
    it('after a restart runs only the originals, and every duplicate ends with its original’s outcome', async function () {
      this.timeout(240_000);
      await start({ deduplicate: true });
      const fps = Array.from({ length: 5 }, () => freshFingerprint());
      for (let i = 0; i < 5; i++) {
        await create(`orig-${i}`, { signalFingerprint: fps[i] });
        await waitPhase(`orig-${i}`, 'Processing');
      }
      const dups = Array.from({ length: 50 }, (_, i) => `dup-${String(i).padStart(2, '0')}`);
      await Promise.all(dups.map((n, i) => create(n, { signalFingerprint: fps[i % 5] })));
      await k.waitUntil(
        'RemediationRequest',
        ns,
        (items) => (items.filter((o) => status(o).phase === 'Blocked').length === 50 ? items : undefined),
        90_000,
        '50 duplicates Blocked',
      );
      await orchestrator!.stop();
      await start({ deduplicate: true });
      for (let i = 0; i < 5; i++) {
        if (i < 3) await remediate(`orig-${i}`);
        else await failProcessing(`orig-${i}`);
      }
      const ended = await k.waitUntil(
        'RemediationRequest',
        ns,
        (items) => {
          const skipped = items.filter((o) => status(o).phase === 'Skipped');
          return skipped.length === 50 ? skipped : undefined;
        },
        90_000,
        'every duplicate Skipped',
      );
      expect((await k.list('RemediationProcessing', ns)).length).to.equal(5);
      for (const d of ended) {
        const i = dups.indexOf(d.metadata.name) % 5;
        expect(status(d), d.metadata.name).to.deep.include({ reason: 'Deduplicated', success: i < 3 });
        expect(await childrenOf(d.metadata.name)).to.equal(0);
      }
    });
  });
});
