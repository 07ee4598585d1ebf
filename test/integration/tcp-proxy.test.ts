import { KubeConfig, Watch } from '@kubernetes/client-node';
import { expect } from 'chai';
import { API_VERSION, KINDS } from '../../src/api/index.js';
import type { KubeObject } from '../../src/k8s/informer.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { remediationRequest } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { Watched } from '../support/watch.js';

describe('the TCP proxy in front of the API server', function () {
  let proxy: TcpProxy;
  let viaProxy: KubeConfig;
  let ns: string;
  let requests: Watched<Obj & KubeObject> | undefined;

  before(async function () {
    if (!controlPlane().local) this.skip(); // needs the API server's own address
    ns = await createNamespace(controlPlane().kubeConfig, 'proxy');
    proxy = await startTcpProxy(controlPlane().server);
    viaProxy = new KubeConfig();
    viaProxy.loadFromFile(await controlPlane().writeKubeconfig({ server: proxy.url }));
  });
  after(async function () {
    requests?.stop();
    await proxy?.close();
    if (ns) await deleteNamespace(controlPlane().kubeConfig, ns);
  });

  it('ends an open watch with an error when it cuts the connections', async function () {
    const { group, plural } = KINDS.RemediationRequest;
    let ended!: (err: unknown) => void;
    const done = new Promise<unknown>((resolve) => (ended = resolve));
    await new Watch(viaProxy).watch(
      `/apis/${group}/${API_VERSION}/namespaces/${ns}/${plural}`,
      {},
      () => undefined,
      (err) => ended(err ?? 'ended without an error'),
    );
    expect(proxy.cutAll(), 'connections cut').to.be.greaterThan(0);
    expect(String(await done)).to.match(/Error/i);
  });

  it('cuts an open watch, which then reconnects through it and sees new objects', async function () {
    const { group, plural } = KINDS.RemediationRequest;
    requests = new Watched<Obj & KubeObject>(viaProxy, {
      group,
      version: API_VERSION,
      plural,
      namespace: ns,
    });
    await requests.start();
    expect(proxy.open, 'the watch holds a connection').to.be.greaterThan(0);
    expect(proxy.cutAll(), 'connections cut').to.be.greaterThan(0);
    expect(proxy.open).to.equal(0);
    await new Objects(controlPlane().kubeConfig).create(
      'RemediationRequest',
      ns,
      remediationRequest('after-the-cut'),
    );
    await requests.until(
      (items) => items.some((o) => o.metadata.name === 'after-the-cut'),
      30_000,
      'the watch sees the request created after the cut',
    );
    expect(proxy.open, 'reconnected through the proxy').to.be.greaterThan(0);
  });
});
