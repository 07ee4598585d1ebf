// `npm run demo`: the orchestrator and the simulated child controllers on a local control plane.
// Three alerts arrive: one is remediated, one needs a person's approval first, one fails and escalates.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { API_VERSION, KINDS, apiVersionOf, type RemediationRequest } from '../src/api/index.js';
import { defaultConfig } from '../src/config.js';
import { Informer } from '../src/k8s/informer.js';
import { createLogger, createMetrics } from '../src/observability/index.js';
import { buildOrchestrator } from '../src/orchestrator.js';
import { SCENARIO_ANNOTATION, startSimulator } from '../src/sim/index.js';
import { startControlPlane } from '../src/testing/index.js';
import { systemClock } from '../src/util/clock.js';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const plan = [
  { name: 'scale-up', action: 'scale-deployment', parameters: { replicas: 4 } },
  { name: 'restart-pods', action: 'rollout-restart', dependsOn: ['scale-up'] },
  { name: 'verify', action: 'check-memory', dependsOn: ['restart-pods'] },
];
const realistic = {
  processing: { delayMs: 800 },
  analysis: { delayMs: 1200 },
  workflow: { delayMs: 600 },
  execution: { delayMs: 1000 },
  notification: { delayMs: 300 },
  plan,
};
const samples = [
  {
    name: 'payment-api-high-memory',
    alertName: 'HighMemoryUsage',
    environment: 'production',
    severity: 'critical',
    scenario: realistic,
    story: 'remediated: scale up, restart, verify',
  },
  {
    name: 'checkout-latency',
    alertName: 'HighLatencyP99',
    environment: 'production',
    severity: 'warning',
    scenario: {
      ...realistic,
      analysis: {
        delayMs: 1000,
        requiresApproval: true,
        approvalDecision: 'Approved',
        approvalDelayMs: 3000,
      },
    },
    story: 'needs approval; a person approves after 3 s',
  },
  {
    name: 'orders-db-disk-full',
    alertName: 'DiskAlmostFull',
    environment: 'staging',
    severity: 'critical',
    scenario: { ...realistic, execution: { delayMs: 1000, failSteps: ['restart-pods'] } },
    story: 'the restart step fails; the orchestrator escalates',
  },
];

const plane = await startControlPlane({ installCrds: true, log: (l) => say(`  ${l}`) });
const kubectl = (...args: string[]): string =>
  execFileSync(
    plane.binDir ? join(plane.binDir, 'kubectl') : 'kubectl',
    ['--kubeconfig', plane.kubeconfigPath, ...args],
    { encoding: 'utf8' },
  );
const config = defaultConfig();
config.kube.namespaces = ['default'];
// Someone is watching: show each step as it finishes (production default: 10s).
config.status.progressIntervalMs = 1_000;
const orchestrator = buildOrchestrator({
  kubeConfig: plane.kubeConfig,
  config,
  clock: systemClock,
  logger: createLogger({ level: 'warn' }),
  metrics: createMetrics(),
});
const simulator = await startSimulator({ kubeConfig: plane.kubeConfig, namespaces: ['default'] });
await orchestrator.start();
say('\nThe orchestrator and the simulated child controllers (processing, analysis, workflow, execution,');
say('notification) are running against a local kube-apiserver. Three alerts arrive:\n');
for (const s of samples) say(`  ${s.name.padEnd(26)} ${s.story}`);
say();

const watcher = new Informer<RemediationRequest>({
  kubeConfig: plane.kubeConfig,
  resource: {
    group: KINDS.RemediationRequest.group,
    version: API_VERSION,
    plural: KINDS.RemediationRequest.plural,
    namespace: 'default',
  },
  clock: systemClock,
  backoff: { initialMs: 200, maxMs: 2000, jitter: 0.5 },
});
const started = Date.now();
const seen = new Map<string, string>();
const terminal = new Set(['Completed', 'Failed', 'TimedOut', 'Cancelled']);
const allDone = new Promise<void>((resolve) => {
  watcher.on((_type, rr) => {
    const s = rr.status ?? {};
    const line = `${s.phase ?? '(new)'} ${s.overallProgress ?? 0}% ${s.reason ?? ''}`;
    const name = rr.metadata?.name ?? '';
    if (seen.get(name) === line) return;
    seen.set(name, line);
    const t = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
    const steps = s.stepsTotal ? `  steps ${s.stepsCompleted}/${s.stepsTotal}` : '';
    say(
      `  ${t}s  ${name.padEnd(26)} ${(s.phase ?? '(new)').padEnd(17)} ${String(s.overallProgress ?? 0).padStart(3)}%${steps}${s.reason ? `  ${s.reason}` : ''}`,
    );
    if (samples.every((x) => terminal.has(watcher.get('default', x.name)?.status?.phase ?? ''))) resolve();
  });
});
await watcher.start();
const api = plane.kubeConfig.makeApiClient(CustomObjectsApi);
for (const s of samples) {
  await api.createNamespacedCustomObject({
    group: KINDS.RemediationRequest.group,
    version: API_VERSION,
    plural: KINDS.RemediationRequest.plural,
    namespace: 'default',
    body: {
      apiVersion: apiVersionOf('RemediationRequest'),
      kind: 'RemediationRequest',
      metadata: { name: s.name },
      spec: {
        targetingData: {
          signalFingerprint: `demo:${s.name}`,
          alertName: s.alertName,
          environment: s.environment,
          severity: s.severity,
          annotations: { [SCENARIO_ANNOTATION]: JSON.stringify(s.scenario) },
        },
      },
    },
  });
}
let timer: NodeJS.Timeout | undefined;
const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 120_000)));
if ((await Promise.race([allDone, timedOut])) === 'timeout') {
  say('\nThe demo did not finish within 120 s; here is where it stopped.');
  process.exitCode = 1;
}
clearTimeout(timer);

say('\n$ kubectl get rr');
say(kubectl('get', 'rr'));
say(
  '$ kubectl get notificationrequests -o custom-columns=NAME:.metadata.name,TYPE:.spec.type,PRIORITY:.spec.priority,PHASE:.status.phase,TITLE:.spec.title',
);
say(
  kubectl(
    'get',
    'notificationrequests',
    '-o',
    'custom-columns=NAME:.metadata.name,TYPE:.spec.type,PRIORITY:.spec.priority,PHASE:.status.phase,TITLE:.spec.title',
  ),
);
say('$ kubectl get rp,aia,we,ke');
say(kubectl('get', 'rp,aia,we,ke'));
say('What happened: each request got its children one phase at a time; the approval request waited in');
say('AwaitingApproval with one approval notification until the approver said yes; the failing step ended');
say('its request as Failed (StepFailed) with an escalation notification; the others sent a success notice.');
say('Try `kubectl describe rr checkout-latency` on your own cluster to see the phase history and Events.');

watcher.stop();
await orchestrator.stop();
await simulator.stop();
await plane.stop();
say('\nThe local control plane is stopped.');
