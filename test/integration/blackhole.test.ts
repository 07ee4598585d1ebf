// No stall when a connection to the API server goes silent (a NAT or load balancer forgets it: no RST,
// no FIN, nothing): a call in flight gives up after the request timeout instead of undici's 300 s, the
// dead connection is dropped, and watches on it are abandoned, so that the orchestrator goes on soon
// after the network forwards again.
import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { defaultConfig } from '../../src/config.js';
import { KubeHttp } from '../../src/k8s/kube-http.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { buildOrchestrator, type Orchestrator } from '../../src/orchestrator.js';
import { systemClock } from '../../src/util/clock.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { remediationRequest } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';
import { STORM_OFF } from '../support/orchestrator.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/** Well below the ~100 s stall this test was written for, and generous on a loaded machine. */
const BOUND_MS = 30_000;
const REQUEST_TIMEOUT_MS = 3_000;

const inPhase = (name: string, phase: string) => (items: Obj[]) =>
  items.find((o) => o.metadata.name === name && o.status?.phase === phase);

describe('a connection to the API server that goes silent', function () {
  this.timeout(120_000);
  let proxy: TcpProxy;
  let viaProxy: KubeConfig;
  let admin: KubeConfig;
  let ns: string;
  let orchestrator: Orchestrator | undefined;

  before(async function () {
    if (!controlPlane().local) this.skip(); // needs the API server's own address
    admin = controlPlane().kubeConfig;
    ns = await createNamespace(admin, 'silent');
  });
  beforeEach(async function () {
    proxy = await startTcpProxy(controlPlane().server);
    viaProxy = new KubeConfig();
    viaProxy.loadFromFile(await controlPlane().writeKubeconfig({ server: proxy.url }));
  });
  afterEach(async function () {
    await orchestrator?.stop();
    orchestrator = undefined;
    await proxy?.close();
  });
  after(async function () {
    if (ns) await deleteNamespace(admin, ns);
  });

  it('fails a call in flight after the request timeout, and the next call gets through once the proxy forwards again', async function () {
    const http = new KubeHttp(viaProxy, { requestTimeoutMs: REQUEST_TIMEOUT_MS });
    const path = `/api/v1/namespaces/${ns}`;
    await http.request('GET', path);
    proxy.pause();
    expect(proxy.blackholeAll(), 'connections silenced').to.be.greaterThan(0);
    const started = Date.now();
    const inFlight = http.request('GET', path).then(
      () => 'answered',
      (err: Error) => err,
    );
    setTimeout(() => proxy.resume(), 1_000);
    const outcome = await inFlight;
    const failedAfter = Date.now() - started;
    expect(outcome, 'the call on the silent connection').to.be.instanceOf(Error);
    expect(failedAfter).to.be.within(REQUEST_TIMEOUT_MS - 100, REQUEST_TIMEOUT_MS + 2_000);
    // Retried as the API writer would: through a new connection within a bound.
    let answered = false;
    while (!answered && Date.now() - started < BOUND_MS) {
      answered = await http.request('GET', path).then(
        () => true,
        () => false,
      );
    }
    expect(answered, `answered within ${BOUND_MS} ms`).to.equal(true);
  });

  it('lets an orchestrator whose connection went silent with only its watches open go on soon after the proxy forwards again', async function () {
    const k = new Objects(admin);
    const config = defaultConfig();
    config.kube.namespaces = [ns];
    config.kube.requestTimeoutMs = REQUEST_TIMEOUT_MS;
    config.storm = { ...STORM_OFF };
    config.api.backoff = { initialMs: 50, maxMs: 1_000, jitter: 0.5 };
    config.informer.backoff = { initialMs: 100, maxMs: 1_000, jitter: 0.5 };
    orchestrator = buildOrchestrator({
      kubeConfig: viaProxy,
      config,
      clock: systemClock,
      logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }),
      metrics: createMetrics(),
    });
    await orchestrator.start();
    const name = 'through-silence';
    await k.create('RemediationRequest', ns, remediationRequest(name));
    await k.waitUntil('RemediationRequest', ns, inPhase(name, 'Processing'), 20_000, `${name} in Processing`);
    // Nothing in flight but the watches (its Event sent): no call's timeout can find the dead connection.
    while (orchestrator.writer.inFlightCount > 0) await new Promise((r) => setTimeout(r, 20));

    proxy.pause();
    expect(proxy.blackholeAll(), 'connections silenced').to.be.greaterThan(0);
    await k.patchStatus('RemediationProcessing', ns, `${name}-processing`, {
      phase: 'Completed',
      enrichedData: { replicas: 3 },
    });
    await new Promise((r) => setTimeout(r, 1_000));
    proxy.resume();
    const resumed = Date.now();
    await k.waitUntil('RemediationRequest', ns, inPhase(name, 'Analyzing'), BOUND_MS, `${name} in Analyzing`);
    expect(Date.now() - resumed).to.be.below(BOUND_MS);
  });
});
