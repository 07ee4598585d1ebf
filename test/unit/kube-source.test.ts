import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { isClusterAccess, type ClusterAccess } from '../../src/k8s/cluster-access.js';
import { kubeSourceFor } from '../../src/kube-source.js';

const kubeconfig = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: a\n  cluster:\n    server: https://a.example:6443',
  '- name: b\n  cluster:\n    server: https://b.example:6443',
  'users:',
  '- name: u\n  user:\n    token: t',
  'contexts:',
  '- name: a\n  context:\n    cluster: a\n    user: u',
  '- name: b\n  context:\n    cluster: b\n    user: u',
  'current-context: a',
  '',
].join('\n');

describe('the way to the API server', function () {
  let dir: string;
  let file: string;
  const pod: ClusterAccess = { credentials: () => Promise.reject(new Error('not called')) };

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'ro-kube-source-'));
    file = join(dir, 'kubeconfig');
    await writeFile(file, kubeconfig);
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it("is the pod's own access when no kubeconfig or context is asked for", async function () {
    expect(await kubeSourceFor({}, () => pod)).to.equal(pod);
  });

  it('is a KubeConfig when a kubeconfig or a context is asked for, even in a pod', async function () {
    this.timeout(30_000); // the first import of client-node, on a busy machine
    const fromFile = await kubeSourceFor({ kubeconfig: file }, () => pod);
    expect(isClusterAccess(fromFile)).to.equal(false);
    const withContext = await kubeSourceFor({ kubeconfig: file, context: 'b' }, () => pod);
    expect(isClusterAccess(withContext) ? undefined : withContext.getCurrentCluster()?.server).to.equal(
      'https://b.example:6443',
    );
  });
});
