import { expect } from 'chai';
import type { AuditWrite } from '../../src/testing/audit.js';
import { describeViolations, fencingViolations, leaderChanges, writesInWindows } from '../support/fencing.js';

const lease = { namespace: 'ns', name: 'remediation-orchestrator' };
const users = ['a', 'b'];
let id = 0;
function write(user: string, at: number, fields: Partial<AuditWrite> = {}): AuditWrite {
  return {
    auditID: String(++id),
    user,
    verb: 'patch',
    group: 'remediation.kubernaut.ai',
    resource: 'remediationrequests',
    subresource: 'status',
    namespace: 'ns',
    name: 'rr',
    code: 200,
    stage: 'ResponseComplete',
    requestReceivedTimestamp: new Date(at).toISOString(),
    stageTimestamp: new Date(at + 10).toISOString(),
    receivedAt: at,
    completedAt: at + 10,
    ...fields,
  };
}
const renew = (user: string, at: number, code = 200): AuditWrite =>
  write(user, at, {
    verb: 'update',
    group: 'coordination.k8s.io',
    resource: 'leases',
    name: 'remediation-orchestrator',
    code,
    subresource: undefined,
  });

describe('fencing from the audit log', function () {
  it('accepts writes within the renew deadline of the last successful renewal', function () {
    const writes = [renew('a', 0), write('a', 100), renew('a', 1000), write('a', 1010 + 3000)];
    expect(fencingViolations(writes, lease, users, 3000)).to.deep.equal([]);
  });

  it('reports a write after the renew deadline, and how long after the takeover', function () {
    const late = write('a', 10_000, {
      verb: 'create',
      resource: 'kubernetesexecutions',
      subresource: undefined,
    });
    const writes = [renew('a', 0), write('a', 100), renew('b', 6000), late];
    const [violation, ...more] = fencingViolations(writes, lease, users, 3000);
    expect(more).to.deep.equal([]);
    expect(violation).to.deep.include({
      afterDeadlineMs: 10_000 - 3010,
      takenOverBy: 'b',
      afterTakeoverMs: 10_000 - 6010,
    });
    expect(describeViolations([violation!])[0]).to.match(
      /^a: 1 write\(s\) \[create kubernetesexecutions x1\]/,
    );
  });

  it('leaves out the writes flushed on SIGCONT, in their window only, and lists them', function () {
    const flushed = write('a', 10_050);
    const later = write('a', 11_500);
    const writes = [renew('a', 0), renew('b', 6000), flushed, later, write('b', 6100)];
    const windows = [{ user: 'a', from: 10_000, to: 11_000 }];
    expect(fencingViolations(writes, lease, users, 3000, windows).map((v) => v.write)).to.deep.equal([later]);
    expect(writesInWindows(writes, lease, windows)).to.deep.equal([flushed]);
  });

  it('counts a refused renewal as no renewal, and a write before any as a violation', function () {
    const writes = [write('b', 50), renew('a', 0), renew('a', 5000, 409), write('a', 6000)];
    const violations = fencingViolations(writes, lease, users, 3000);
    expect(violations.map((v) => [v.write.user, v.afterDeadlineMs])).to.deep.equal([
      ['b', undefined],
      ['a', 6000 - 3010],
    ]);
  });

  it('ignores other users and the Lease writes themselves', function () {
    const writes = [write('admin', 0), renew('a', 0), renew('a', 90_000, 409)];
    expect(fencingViolations(writes, lease, users, 3000)).to.deep.equal([]);
  });

  it('lists the changes of the replica whose Lease writes succeed', function () {
    const writes = [
      renew('a', 0),
      renew('a', 1000),
      renew('b', 7000, 409),
      renew('b', 8000),
      renew('a', 20_000),
    ];
    expect(leaderChanges(writes, lease, users)).to.deep.equal([
      { at: 10, from: undefined, to: 'a' },
      { at: 8010, from: 'a', to: 'b' },
      { at: 20_010, from: 'b', to: 'a' },
    ]);
  });
});
