import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoordinationV1Api,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
} from '@kubernetes/client-node';
import { expect } from 'chai';
import { parse, parseAllDocuments } from 'yaml';
import { buildDist } from '../../benchmarks/lib/processes.js';
import { createMetrics } from '../../src/observability/index.js';
import { SCENARIO_ANNOTATION, startSimulator, type Simulator } from '../../src/sim/index.js';
import { freePort } from '../../src/testing/processes.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { targetingData } from '../support/fixtures.js';
import { chartDir as chart, helm, helmBinary, helmTemplate, helmTemplateRefusal } from '../support/helm.js';
import { createNamespace, deleteNamespace, kubeConfigAs, Objects, type Obj } from '../support/kube.js';
import { startNodeProcess } from '../support/orchestrator-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scenario = JSON.stringify({
  processing: { delayMs: 0 },
  analysis: { delayMs: 0 },
  workflow: { delayMs: 0 },
  execution: { delayMs: 0 },
  notification: { delayMs: 0 },
  plan: [{ name: 'a', action: 'x' }],
});

describe('the Helm chart', function () {
  this.timeout(180_000);
  let bin: string;

  const rendered = <T = KubernetesObject>(args: string[]) => helmTemplate<T>(bin, args);
  /** Expects `helm template` with `args` to refuse, saying `message`. */
  const refuses = async (args: string[], message: string) =>
    expect(await helmTemplateRefusal(bin, args)).to.contain(message);

  before(async function () {
    this.timeout(900_000);
    bin = await helmBinary();
  });

  it('passes helm lint --strict', async function () {
    const lint = await helm(bin, ['lint', '--strict', chart]);
    expect(lint.ok, lint.out + lint.err).to.equal(true);
  });

  it('refuses a misspelt flag, a malformed duration or two replicas without leader election, saying which', async function () {
    await refuses(
      ['r', chart, '--set', 'config.timeout-executin=1h'],
      "additional properties 'timeout-executin' not allowed",
    );
    await refuses(['r', chart, '--set', 'config.timeout-executing=an hour'], '/config/timeout-executing');
    await refuses(
      ['r', chart, '--set', 'leaderElection.enabled=false'],
      'replicaCount > 1 needs leaderElection.enabled',
    );
    await refuses(['r', chart, '--set', 'config.burst=0'], "at '/config/burst': minimum: got 0, want 1");
    await rendered(['r', chart, '--set', 'leaderElection.enabled=false', '--set', 'replicaCount=1']);
  });

  it('binds the ClusterRole cluster-wide by default, per namespace with watchNamespaces, and passes config values verbatim', async function () {
    const kinds = (args: string[]) =>
      rendered<{ kind: string; metadata: { name: string; namespace?: string }; roleRef?: { kind: string } }>([
        'r',
        chart,
        '--namespace',
        'ops',
        ...args,
      ]);
    const all = await kinds([]);
    expect(all.filter((o) => o.kind === 'ClusterRoleBinding').map((o) => o.roleRef?.kind)).to.deep.equal([
      'ClusterRole',
    ]);
    expect(all.filter((o) => o.kind === 'RoleBinding').map((o) => o.roleRef?.kind)).to.deep.equal(['Role']);
    const some = await kinds([
      '--set-json',
      'watchNamespaces=["team-a","team-b"]',
      '--set-json',
      'config={"notification-channels":["slack #ops","pagerduty"],"recently-finished-cache-size":1000000}',
    ]);
    expect(some.filter((o) => o.kind === 'ClusterRoleBinding')).to.deep.equal([]);
    expect(
      some
        .filter((o) => o.kind === 'RoleBinding' && o.roleRef?.kind === 'ClusterRole')
        .map((o) => o.metadata.namespace),
    ).to.deep.equal(['team-a', 'team-b']);
    const args = (some.find((o) => o.kind === 'Deployment') as unknown as V1Deployment).spec!.template.spec!
      .containers[0]!.args;
    expect(args).to.include('--namespaces=team-a,team-b');
    expect(args, 'a # in a value is not a YAML comment').to.include(
      '--notification-channels=slack #ops,pagerduty',
    );
    expect(args, 'a large number is not written 1e+06').to.include('--recently-finished-cache-size=1000000');
  });

  it('renders alerts on metrics the orchestrator exports, only next to a ServiceMonitor', async function () {
    await refuses(
      ['r', chart, '--set', 'metrics.prometheusRule.enabled=true'],
      'metrics.prometheusRule.enabled needs metrics.serviceMonitor.enabled',
    );
    const objects = await rendered<{
      kind: string;
      spec: { groups: { rules: { alert: string; expr: string }[] }[] };
    }>([
      'r',
      chart,
      '--namespace',
      'ops',
      '--set',
      'metrics.serviceMonitor.enabled=true',
      '--set',
      'metrics.prometheusRule.enabled=true',
    ]);
    const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
    const rules = rule.spec.groups.flatMap((g) => g.rules);
    expect(rules.map((x) => x.alert)).to.deep.equal([
      'RemediationOrchestratorLeader',
      'RemediationFailureRateHigh',
      'RemediationTimeouts',
      'RemediationWatchesFailing',
      'RemediationStatusConflicts',
      'RemediationWritesThrottled',
      'RemediationStormMode',
      'RemediationRequestsBlockedTooLong',
      'RemediationActorsStopped',
    ]);
    const exported = new Set((await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
    for (const { alert, expr } of rules) {
      const used = expr.match(/remediation_[a-z_]+/g) ?? [];
      expect(used.length, alert).to.be.greaterThan(0);
      for (const name of used) expect(exported.has(name), `${alert} reads ${name}`).to.equal(true);
      expect(expr, alert).to.contain('namespace="ops", service="r-remediation-orchestrator"');
    }
  });

  it('ships the six CRDs of config/crd', async function () {
    const shown = await helm(bin, ['show', 'crds', chart]);
    const names = parseAllDocuments(shown.out)
      .map((d) => (d.toJS() as KubernetesObject | null)?.metadata?.name)
      .filter(Boolean)
      .sort();
    const files = await readdir(join(root, 'config/crd'));
    const expected = await Promise.all(
      files.map(
        async (f) =>
          (parse(await readFile(join(root, 'config/crd', f), 'utf8')) as KubernetesObject).metadata!.name,
      ),
    );
    expect(names).to.deep.equal(expected.sort());
  });

  describe('installed on the API server', function () {
    let admin: KubeConfig;
    let ns: string;
    let sim: Simulator | undefined;
    let stopOrchestrator: (() => Promise<void>) | undefined;
    const release = `ro${Math.random().toString(16).slice(2, 8)}`;
    const fullname = `${release}-remediation-orchestrator`;

    before(async function () {
      admin = controlPlane().kubeConfig;
      ns = await createNamespace(admin, 'chart');
    });
    after(async function () {
      await stopOrchestrator?.();
      await sim?.stop();
      await admin
        .makeApiClient(RbacAuthorizationV1Api)
        .deleteClusterRole({ name: `${fullname}-${ns}` })
        .catch(() => undefined);
      await deleteNamespace(admin, ns);
    });

    it("is accepted, and its pod's command, flags and ServiceAccount drive a request to Completed under leader election", async function () {
      this.timeout(300_000);
      const port = await freePort();
      const objects = await rendered([
        release,
        chart,
        '--namespace',
        ns,
        '--set',
        `metrics.port=${port}`,
        '--set-json',
        `watchNamespaces=["${ns}"]`,
      ]);
      const generic = KubernetesObjectApi.makeApiClient(admin);
      for (const o of objects) await generic.create(o);
      expect(objects.map((o) => o.kind).sort()).to.deep.equal([
        'ClusterRole',
        'Deployment',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ]);

      // What the kubelet would run: the image's ENTRYPOINT with the container's args, as its ServiceAccount, in the release namespace.
      const deployment = objects.find((o) => o.kind === 'Deployment') as V1Deployment;
      const container = deployment.spec!.template.spec!.containers[0]!;
      expect(container.command, "the chart keeps the image's ENTRYPOINT").to.equal(undefined);
      const entrypoint = JSON.parse(
        /^ENTRYPOINT (\[.*\])$/m.exec(await readFile(join(root, 'Dockerfile'), 'utf8'))![1]!,
      ) as string[];
      expect(entrypoint[0]).to.equal('node');
      const podName = `${fullname}-0`;
      const env: Record<string, string> = {};
      for (const e of container.env ?? []) {
        const field = e.valueFrom?.fieldRef?.fieldPath;
        env[e.name] = field === 'metadata.namespace' ? ns : field === 'metadata.name' ? podName : e.value!;
      }
      const asPod = await kubeConfigAs(admin, ns, deployment.spec!.template.spec!.serviceAccountName!);
      const kubeconfig = join(await mkdtemp(join(tmpdir(), 'chart-')), 'kubeconfig');
      await writeFile(kubeconfig, asPod.exportConfig());

      await buildDist();
      const pod = startNodeProcess([...entrypoint.slice(1), ...container.args!], {
        ...env,
        KUBECONFIG: kubeconfig,
      });
      stopOrchestrator = () => pod.kill('SIGTERM');
      sim = await startSimulator({ kubeConfig: admin, namespaces: [ns] });

      const k = new Objects(admin);
      await k.create('RemediationRequest', ns, {
        metadata: { name: 'charted' },
        spec: { targetingData: targetingData({ annotations: { [SCENARIO_ANNOTATION]: scenario } }) },
      });
      const completed = (items: Obj[]) =>
        items.find(
          (o) => o.metadata.name === 'charted' && (o.status as { phase?: string })?.phase === 'Completed',
        )
          ? true
          : undefined;
      await k
        .waitUntil('RemediationRequest', ns, completed, 120_000, 'the request completes')
        .catch((err: Error) => {
          throw new Error(`${err.message}\n--- orchestrator:\n${pod.output().slice(-4000)}`);
        });

      const lease = await admin
        .makeApiClient(CoordinationV1Api)
        .readNamespacedLease({ name: fullname, namespace: ns });
      expect(lease.spec?.holderIdentity, 'the Lease is named after the release and held by the pod').to.equal(
        podName,
      );
      for (const probe of [container.livenessProbe!, container.readinessProbe!, container.startupProbe!]) {
        expect(probe.httpGet!.port).to.equal('metrics');
        const answer = await fetch(`http://127.0.0.1:${port}${probe.httpGet!.path}`);
        expect(answer.status, `${probe.httpGet!.path} answers the probe`).to.equal(200);
      }
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const refused = metrics
        .split('\n')
        .filter((l) => l.startsWith('remediation_api_requests_total') && /code="(401|403)"/.test(l));
      expect(refused, 'no call was refused by the chart RBAC').to.deep.equal([]);
    });
  });
});
