import { readFile } from 'node:fs/promises';
import { CoreV1Api, KubernetesObjectApi, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { expect } from 'chai';
import { dashboardFile, renderDashboard } from '../../tools/dashboard.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { chartDir, helm, helmBinary, helmTemplate, helmTemplateRefusal } from '../support/helm.js';
import { createNamespace, deleteNamespace } from '../support/kube.js';

describe("the Helm chart's Grafana dashboard", function () {
  this.timeout(60_000);
  let bin: string;
  const configMaps = async (args: string[]) =>
    (await helmTemplate<V1ConfigMap>(bin, ['r', chartDir, '--namespace', 'ops', ...args])).filter(
      (o) => o.kind === 'ConfigMap',
    );

  before(async function () {
    this.timeout(900_000);
    bin = await helmBinary();
  });

  it('is off by default', async function () {
    expect(await configMaps([])).to.deep.equal([]);
  });

  it("renders the generated dashboard in a ConfigMap with the sidecar's label, in the release namespace", async function () {
    const [cm, ...more] = await configMaps(['--set', 'dashboards.enabled=true']);
    expect(more).to.deep.equal([]);
    expect(cm!.metadata!.name).to.equal('r-remediation-orchestrator-dashboard');
    expect(cm!.metadata!.namespace).to.equal('ops');
    expect(cm!.metadata!.labels).to.include({
      grafana_dashboard: '1',
      'app.kubernetes.io/instance': 'r',
    });
    expect(cm!.metadata!.annotations).to.equal(undefined);
    const json = cm!.data!['remediation-orchestrator.json']!;
    expect(json).to.equal((await readFile(dashboardFile, 'utf8')).trimEnd());
    expect(JSON.parse(json)).to.deep.equal(JSON.parse(renderDashboard()));
  });

  it("takes the sidecar's label and value, Grafana's namespace and annotations from values", async function () {
    const [cm] = await configMaps([
      '--set',
      'dashboards.enabled=true',
      '--set',
      'dashboards.label=example.com/dashboard',
      '--set',
      'dashboards.labelValue=1',
      '--set',
      'dashboards.namespace=monitoring',
      '--set',
      'dashboards.annotations.grafana_folder=Kubernaut',
    ]);
    expect(cm!.metadata!.namespace).to.equal('monitoring');
    expect(cm!.metadata!.labels).to.include({ 'example.com/dashboard': '1' });
    expect(cm!.metadata!.labels).to.not.have.property('grafana_dashboard');
    expect(cm!.metadata!.annotations).to.deep.equal({ grafana_folder: 'Kubernaut' });
  });

  it('refuses a label value Kubernetes would refuse, and passes helm lint --strict when enabled', async function () {
    const refused = await helmTemplateRefusal(bin, [
      'r',
      chartDir,
      '--set',
      'dashboards.enabled=true',
      '--set',
      'dashboards.labelValue=a b',
    ]);
    expect(refused).to.contain('/dashboards/labelValue');
    const lint = await helm(bin, ['lint', '--strict', chartDir, '--set', 'dashboards.enabled=true']);
    expect(lint.ok, lint.out + lint.err).to.equal(true);
  });

  describe('on the API server', function () {
    let admin: KubeConfig;
    let ns: string;
    before(async function () {
      admin = controlPlane().kubeConfig;
      ns = await createNamespace(admin, 'dashboard');
    });
    after(async function () {
      await deleteNamespace(admin, ns);
    });

    it('is accepted whole', async function () {
      const [cm] = await helmTemplate<V1ConfigMap>(bin, [
        'r',
        chartDir,
        '--namespace',
        ns,
        '--set',
        'dashboards.enabled=true',
        '--show-only',
        'templates/dashboard-configmap.yaml',
      ]);
      await KubernetesObjectApi.makeApiClient(admin).create(cm!);
      const stored = await admin
        .makeApiClient(CoreV1Api)
        .readNamespacedConfigMap({ name: cm!.metadata!.name!, namespace: ns });
      expect(stored.metadata!.labels).to.include({ grafana_dashboard: '1' });
      expect(JSON.parse(stored.data!['remediation-orchestrator.json']!)).to.deep.equal(
        JSON.parse(renderDashboard()),
      );
    });
  });
});
