// KubeHttp in a pod: the ServiceAccount's token and CA files and KUBERNETES_SERVICE_*, no KubeConfig.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { inClusterAccess } from '../../src/k8s/cluster-access.js';
import { KubeApiError, KubeHttp } from '../../src/k8s/kube-http.js';
import { controlPlane } from '../support/control-plane-hooks.js';

describe('the in-cluster access of a pod', function () {
  let dir: string;
  let env: Record<string, string>;

  before(async function () {
    const kc = controlPlane().kubeConfig;
    const cluster = kc.getCurrentCluster()!;
    const user = kc.getCurrentUser()!;
    if (!cluster.caData || !user.token) this.skip(); // an existing cluster with other credentials
    dir = await mkdtemp(join(tmpdir(), 'ro-serviceaccount-'));
    await writeFile(join(dir, 'ca.crt'), Buffer.from(cluster.caData, 'base64'));
    await writeFile(join(dir, 'token'), `${user.token}\n`);
    const url = new URL(cluster.server);
    env = { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port || '443' };
  });
  after(async function () {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads, with the token and the CA alone, and sees a rotated token', async function () {
    const access = inClusterAccess({ env, dir });
    expect(access).not.to.equal(undefined);
    const http = new KubeHttp(access!, { authCacheMs: 0 });
    const ns = await http.request<{ metadata: { name: string } }>('GET', '/api/v1/namespaces/default');
    expect(ns.metadata.name).to.equal('default');

    await writeFile(join(dir, 'token'), 'a-token-the-server-does-not-know\n');
    const err = await http.request('GET', '/api/v1/namespaces/default').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(KubeApiError);
    expect((err as KubeApiError).statusCode).to.equal(401);
  });

  it('is not there outside a pod', function () {
    expect(inClusterAccess({ env: {}, dir })).to.equal(undefined);
    expect(inClusterAccess({ env, dir: join(dir, 'missing') })).to.equal(undefined);
  });
});
