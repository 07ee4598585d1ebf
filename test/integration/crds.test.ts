import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiextensionsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { KINDS, type KindName } from '../../src/api/index.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { ownerReference, parentRef, remediationRequest, targetingData } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';

async function rejection(promise: Promise<unknown>): Promise<{ code: number; body: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code?: number; body?: unknown };
    return { code: e.code ?? 0, body: typeof e.body === 'string' ? e.body : JSON.stringify(e.body) };
  }
  throw new Error('the API server accepted an object it should have rejected');
}

const childSpecs: Record<Exclude<KindName, 'RemediationRequest'>, (rr: Obj) => Record<string, unknown>> = {
  RemediationProcessing: () => ({}),
  AIAnalysis: () => ({ signalFingerprint: 'fp:1', enrichedData: { pods: 3, nested: { ok: true } } }),
  WorkflowExecution: () => ({
    recommendations: [{ name: 'restart', action: 'restart-pod', parameters: { grace: 30 }, dependsOn: [] }],
  }),
  KubernetesExecution: (rr) => ({
    workflowExecutionRef: { name: `${rr.metadata.name}-workflow`, namespace: rr.metadata.namespace },
    step: { name: 'restart', action: 'restart-pod', timeout: '5m' },
  }),
  NotificationRequest: () => ({
    type: 'escalation',
    priority: 'high',
    channels: ['slack'],
    title: 't',
    message: 'm',
    metadata: { phase: 'Processing' },
  }),
};

const childStatus: Record<Exclude<KindName, 'RemediationRequest'>, Record<string, unknown>> = {
  RemediationProcessing: { phase: 'Completed', enrichedData: { owner: 'payments', replicas: 3 } },
  AIAnalysis: {
    phase: 'Ready',
    requiresApproval: true,
    approval: { decision: 'Approved', decidedBy: 'alice' },
    investigationResult: {
      rootCause: 'leak',
      confidence: 0.9,
      recommendations: [{ name: 'a', action: 'scale' }],
    },
  },
  WorkflowExecution: {
    phase: 'Planned',
    plan: { steps: [{ name: 'a', action: 'scale', dependsOn: [], timeout: '1m' }] },
  },
  KubernetesExecution: { phase: 'Completed', startTime: '2026-01-01T00:00:00Z', output: { restarted: 2 } },
  NotificationRequest: { phase: 'Sent' },
};

describe('the CRDs of the resource contract', function () {
  let kc: KubeConfig;
  let objects: Objects;
  let ns: string;

  before(async function () {
    kc = controlPlane().kubeConfig;
    objects = new Objects(kc);
    ns = await createNamespace(kc, 'crds');
  });
  after(async function () {
    await deleteNamespace(kc, ns);
  });

  it('installs all six and every one reaches Established with its short name', async function () {
    const api = kc.makeApiClient(ApiextensionsV1Api);
    for (const info of Object.values(KINDS)) {
      const crd = await api.readCustomResourceDefinition({ name: `${info.plural}.${info.group}` });
      const established = crd.status?.conditions?.find((c) => c.type === 'Established');
      expect(established?.status, info.kind).to.equal('True');
      expect(crd.spec.versions[0]?.subresources?.status, info.kind).to.deep.equal({});
      expect(crd.spec.names.shortNames, info.kind).to.have.length(1);
    }
  });

  it('round-trips an object of each kind, with status written through the status subresource', async function () {
    const rr = await objects.create(
      'RemediationRequest',
      ns,
      remediationRequest('round-trip', { timeouts: { processing: '90s', global: '1h30m' } }),
    );
    expect((rr.spec as { timeouts: unknown }).timeouts).to.deep.equal({ processing: '90s', global: '1h30m' });
    const rrStatus = {
      phase: 'Processing',
      overallProgress: 20,
      startTime: '2026-01-01T00:00:00Z',
      phaseHistory: [{ phase: 'Pending', enteredAt: '2026-01-01T00:00:00Z' }],
    };
    await objects.patchStatus('RemediationRequest', ns, 'round-trip', rrStatus);
    expect((await objects.get('RemediationRequest', ns, 'round-trip')).status).to.deep.equal(rrStatus);

    for (const kind of Object.keys(childSpecs) as (keyof typeof childSpecs)[]) {
      const name = `round-trip-${KINDS[kind].component}`;
      const spec = {
        remediationRequestRef: parentRef(rr),
        targetingData: targetingData(),
        ...childSpecs[kind](rr),
      };
      const created = await objects.create(kind, ns, {
        metadata: { name, ownerReferences: [ownerReference(rr)] },
        spec,
        status: { phase: 'Failed' },
      });
      expect(created.spec, kind).to.deep.equal(spec);
      expect(created.status, `${kind}: status is ignored on create`).to.equal(undefined);
      await objects.patchStatus(kind, ns, name, childStatus[kind]);
      const read = await objects.get(kind, ns, name);
      expect(read.status, kind).to.deep.equal(childStatus[kind]);
      expect(read.spec, kind).to.deep.equal(spec);
    }
  });

  for (const field of ['signalFingerprint', 'alertName', 'environment']) {
    it(`rejects a RemediationRequest without ${field}, naming the field`, async function () {
      const data = targetingData();
      delete data[field];
      const { code, body } = await rejection(
        objects.create('RemediationRequest', ns, {
          metadata: { name: `missing-${field.toLowerCase()}` },
          spec: { targetingData: data },
        }),
      );
      expect(code).to.equal(422);
      expect(body).to.include(`spec.targetingData.${field}`).and.include('Required value');
    });
  }

  it('rejects a malformed signalFingerprint, a malformed duration and a zero duration', async function () {
    const badFingerprint = await rejection(
      objects.create('RemediationRequest', ns, {
        metadata: { name: 'bad-fp' },
        spec: { targetingData: targetingData({ signalFingerprint: 'has spaces' }) },
      }),
    );
    expect(badFingerprint.body).to.include('spec.targetingData.signalFingerprint');
    const badDuration = await rejection(
      objects.create(
        'RemediationRequest',
        ns,
        remediationRequest('bad-duration', { timeouts: { processing: '15 minutes' } }),
      ),
    );
    expect(badDuration.code).to.equal(422);
    expect(badDuration.body).to.include('spec.timeouts.processing');
    const zero = await rejection(
      objects.create(
        'RemediationRequest',
        ns,
        remediationRequest('zero-duration', { timeouts: { executing: '0s' } }),
      ),
    );
    expect(zero.body).to.include('positive duration');
  });

  it('bounds every timeout at 168h, like the controller defaults', async function () {
    for (const key of ['global', 'processing', 'executing']) {
      const far = await rejection(
        objects.create(
          'RemediationRequest',
          ns,
          remediationRequest(`far-${key}`, { timeouts: { [key]: '1000h' } }),
        ),
      );
      expect(far.code, key).to.equal(422);
      expect(far.body).to.include(`spec.timeouts.${key}`).and.include('at most 168h');
    }
    const longest = await objects.create(
      'RemediationRequest',
      ns,
      remediationRequest('longest', { timeouts: { global: '168h', processing: '10079m60s' } }),
    );
    expect(longest.metadata.name).to.equal('longest');
  });

  it('rejects a change to spec.targetingData but accepts a change to spec.timeouts', async function () {
    await objects.create('RemediationRequest', ns, remediationRequest('immutable'));
    const current = await objects.get('RemediationRequest', ns, 'immutable');
    const changed = {
      ...current,
      spec: { ...current.spec, targetingData: targetingData({ severity: 'info' }) },
    };
    const { code, body } = await rejection(
      objects.api.replaceNamespacedCustomObject({
        group: KINDS.RemediationRequest.group,
        version: 'v1alpha1',
        plural: 'remediationrequests',
        namespace: ns,
        name: 'immutable',
        body: changed,
      }),
    );
    expect(code).to.equal(422);
    expect(body).to.include('spec.targetingData is immutable');
    const retimed = { ...current, spec: { ...current.spec, timeouts: { executing: '45m' } } };
    const updated = (await objects.api.replaceNamespacedCustomObject({
      group: KINDS.RemediationRequest.group,
      version: 'v1alpha1',
      plural: 'remediationrequests',
      namespace: ns,
      name: 'immutable',
      body: retimed,
    })) as Obj;
    expect(updated.spec?.timeouts).to.deep.equal({ executing: '45m' });
  });

  it('rejects a payload over 64 KiB and accepts one of exactly 64 KiB', async function () {
    const { code, body } = await rejection(
      objects.create('RemediationRequest', ns, {
        metadata: { name: 'oversized' },
        spec: { targetingData: targetingData({ payload: 'x'.repeat(65_537) }) },
      }),
    );
    expect(code).to.equal(422);
    expect(body).to.include('spec.targetingData.payload').and.include('65536');
    await objects.create('RemediationRequest', ns, {
      metadata: { name: 'max-payload' },
      spec: { targetingData: targetingData({ payload: 'x'.repeat(65_536) }) },
    });
  });

  it('shows Phase, Progress, Alert, Environment, Reason and Age in kubectl get rr', async function () {
    const rr = await objects.create('RemediationRequest', ns, remediationRequest('printed'));
    await objects.patchStatus('RemediationRequest', ns, rr.metadata.name, {
      phase: 'Executing',
      overallProgress: 60,
      reason: 'StepsRunning',
    });
    const plane = controlPlane();
    const kubectl = plane.binDir ? join(plane.binDir, 'kubectl') : 'kubectl';
    const { stdout } = await promisify(execFile)(kubectl, [
      '--kubeconfig',
      plane.kubeconfigPath,
      '-n',
      ns,
      'get',
      'rr',
      'printed',
    ]);
    const [header, row] = stdout.trim().split('\n');
    expect(header?.split(/\s+/)).to.deep.equal([
      'NAME',
      'PHASE',
      'PROGRESS',
      'ALERT',
      'ENVIRONMENT',
      'REASON',
      'AGE',
    ]);
    expect(row?.split(/\s+/).slice(0, 6)).to.deep.equal([
      'printed',
      'Executing',
      '60',
      'HighMemoryUsage',
      'production',
      'StepsRunning',
    ]);
  });

  it('removes an owned child through the garbage collector when its owner is deleted', async function () {
    this.timeout(120_000);
    const rr = await objects.create('RemediationRequest', ns, remediationRequest('owner'));
    await objects.create('RemediationProcessing', ns, {
      metadata: { name: 'owner-processing', ownerReferences: [ownerReference(rr)] },
      spec: { remediationRequestRef: parentRef(rr), targetingData: targetingData() },
    });
    await objects.delete('RemediationRequest', ns, 'owner');
    await objects.waitUntil(
      'RemediationProcessing',
      ns,
      (items) => !items.some((o) => o.metadata.name === 'owner-processing'),
      90_000,
      'the owned processing is garbage-collected',
    );
  });
});
