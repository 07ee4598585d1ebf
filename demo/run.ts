// `npm run demo`: a local control plane, the CRDs, a sample RemediationRequest, and `kubectl get rr`.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { KINDS, apiVersionOf } from '../src/api/index.js';
import { startControlPlane } from '../src/testing/index.js';

const say = (line: string): void => console.log(line);
const plane = await startControlPlane({ installCrds: true, log: say });
try {
  const kubectl = (...args: string[]): string =>
    execFileSync(plane.binDir ? join(plane.binDir, 'kubectl') : 'kubectl', ['--kubeconfig', plane.kubeconfigPath, ...args], { encoding: 'utf8' });
  const api = plane.kubeConfig.makeApiClient(CustomObjectsApi);
  await api.createNamespacedCustomObject({
    group: KINDS.RemediationRequest.group,
    version: 'v1alpha1',
    plural: KINDS.RemediationRequest.plural,
    namespace: 'default',
    body: {
      apiVersion: apiVersionOf('RemediationRequest'),
      kind: 'RemediationRequest',
      metadata: { name: 'demo-high-memory' },
      spec: { targetingData: { signalFingerprint: 'demo:high-memory', alertName: 'HighMemoryUsage', environment: 'staging', severity: 'warning' } },
    },
  });
  say('\nThe demo installed the six CRDs and applied one RemediationRequest. kubectl get rr:\n');
  say(kubectl('get', 'rr', '-A'));
  say('The orchestrator itself is not built yet, so the request stays without a phase.');
} finally {
  await plane.stop();
  say('The local control plane is stopped.');
}
