import { expect } from 'chai';
import type { V1OwnerReference } from '@kubernetes/client-node';
import { ownerUid } from '../../src/cluster/owner.js';

const ref = (kind: string, uid: string, controller = true): V1OwnerReference => ({
  apiVersion: 'x/v1',
  kind,
  name: 'owner',
  uid,
  controller,
});
const child = (kind: string, ownerReferences: V1OwnerReference[], specUid?: string) => ({
  kind,
  metadata: { name: 'c', ownerReferences },
  spec: specUid === undefined ? {} : { remediationRequestRef: { name: 'rr', namespace: 'ns', uid: specUid } },
});

describe('the owner UID of a child', function () {
  it('is the UID of its controller ownerReference of kind RemediationRequest', function () {
    const refs = [ref('ConfigMap', 'cm-uid', false), ref('RemediationRequest', 'rr-uid')];
    expect(ownerUid(child('RemediationProcessing', refs, 'rr-uid'))).to.equal('rr-uid');
  });

  it('is never the UID of an owner of another kind, nor of a RemediationRequest that does not control it', function () {
    expect(ownerUid(child('RemediationProcessing', [ref('ReplicaSet', 'rs-uid')]))).to.equal(undefined);
    expect(ownerUid(child('AIAnalysis', [ref('ReplicaSet', 'rs-uid')], 'rr-uid'))).to.equal(undefined);
    expect(ownerUid(child('WorkflowExecution', [ref('RemediationRequest', 'rr-uid', false)]))).to.equal(
      undefined,
    );
  });

  it("is a NotificationRequest's spec.remediationRequestRef.uid, as NotificationRequests are not owned", function () {
    expect(ownerUid(child('NotificationRequest', [], 'rr-uid'))).to.equal('rr-uid');
    expect(ownerUid(child('NotificationRequest', [ref('ReplicaSet', 'rs-uid')], 'rr-uid'))).to.equal(
      'rr-uid',
    );
    expect(ownerUid(child('NotificationRequest', []))).to.equal(undefined);
  });
});
