import { expect } from 'chai';
import { auditPolicy, parseAuditLog, writesByUser } from '../../src/testing/audit.js';

const event = (fields: Record<string, unknown>): string =>
  JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: 'id-1',
    stage: 'ResponseComplete',
    verb: 'create',
    user: { username: 'replica-a', groups: ['system:authenticated'] },
    objectRef: {
      resource: 'remediationprocessings',
      namespace: 'ns',
      name: 'rr-processing',
      apiGroup: 'remediationprocessing.kubernaut.ai',
      apiVersion: 'v1alpha1',
    },
    responseStatus: { metadata: {}, code: 201 },
    requestReceivedTimestamp: '2026-11-30T05:44:59.123456Z',
    stageTimestamp: '2026-11-30T05:44:59.200001Z',
    ...fields,
  });

describe('the audit log reader', function () {
  it('returns a write with its user, verb, resource, name, namespace, answer and times', function () {
    const [write, ...rest] = parseAuditLog(`${event({})}\n`);
    expect(rest).to.deep.equal([]);
    expect(write).to.deep.include({
      user: 'replica-a',
      verb: 'create',
      group: 'remediationprocessing.kubernaut.ai',
      resource: 'remediationprocessings',
      namespace: 'ns',
      name: 'rr-processing',
      code: 201,
      stage: 'ResponseComplete',
      requestReceivedTimestamp: '2026-11-30T05:44:59.123456Z',
      receivedAt: Date.parse('2026-11-30T05:44:59.123Z'),
      completedAt: Date.parse('2026-11-30T05:44:59.200Z'),
    });
  });

  it('keeps the subresource and a refused write with its code', function () {
    const [write] = parseAuditLog(
      event({
        verb: 'patch',
        objectRef: {
          resource: 'remediationrequests',
          subresource: 'status',
          apiGroup: 'remediation.kubernaut.ai',
          name: 'x',
        },
        responseStatus: { code: 409 },
      }),
    );
    expect(write).to.deep.include({ verb: 'patch', subresource: 'status', code: 409 });
  });

  it('skips other stages, reads, and a half-written last line', function () {
    const text = [
      event({ stage: 'RequestReceived' }),
      event({ verb: 'get' }),
      event({ verb: 'watch' }),
      event({ auditID: 'kept', verb: 'delete' }),
      '{"kind":"Event","stage":"Respo',
    ].join('\n');
    expect(parseAuditLog(text).map((w) => w.auditID)).to.deep.equal(['kept']);
  });

  it('groups writes by user in order of arrival', function () {
    const writes = parseAuditLog(
      [
        event({ auditID: 'b2', requestReceivedTimestamp: '2026-11-30T05:45:02Z', user: { username: 'b' } }),
        event({ auditID: 'a1', requestReceivedTimestamp: '2026-11-30T05:45:01Z', user: { username: 'a' } }),
        event({ auditID: 'b1', requestReceivedTimestamp: '2026-11-30T05:45:00Z', user: { username: 'b' } }),
      ].join('\n'),
    );
    const byUser = writesByUser(writes);
    expect([...byUser.keys()].sort()).to.deep.equal(['a', 'b']);
    expect(byUser.get('b')!.map((w) => w.auditID)).to.deep.equal(['b1', 'b2']);
  });

  it('has a policy that logs writes of every CRD group and of Leases, and nothing else', async function () {
    const policy = JSON.parse(await auditPolicy()) as {
      rules: { level: string; verbs?: string[]; resources?: { group: string; resources?: string[] }[] }[];
    };
    const [writes, rest] = policy.rules;
    expect(writes!.level).to.equal('Metadata');
    expect(writes!.verbs).to.include.members(['create', 'update', 'patch', 'delete']);
    expect(writes!.resources!.map((r) => r.group)).to.include.members([
      'remediation.kubernaut.ai',
      'notification.kubernaut.ai',
      'coordination.k8s.io',
    ]);
    expect(rest).to.deep.equal({ level: 'None' });
  });
});
