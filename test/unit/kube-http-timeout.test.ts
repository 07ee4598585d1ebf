// Every call of KubeHttp is bounded: a server that accepts a call and never answers it (or stops in
// the middle of its answer) fails it after the request timeout, never undici's 300 s.
import { expect } from 'chai';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { classify } from '../../src/k8s/errors.js';
import { KubeHttp, RequestTimeoutError, setRequestTimeout } from '../../src/k8s/kube-http.js';
import { kubeConfigFor } from '../support/local-server.js';

describe('KubeHttp request timeout', function () {
  // The first call imports client-node (seconds under tsx); undici's timers tick about once a second.
  this.timeout(20_000);
  let server: Server;
  const held: ServerResponse[] = [];

  beforeEach(async function () {
    // /hang: no answer at all; /half: headers and a first part of the body, then nothing.
    server = createServer((req, res) => {
      held.push(res);
      if (req.url?.startsWith('/half')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"items": [');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async function () {
    for (const res of held.splice(0)) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function failure(call: Promise<unknown>): Promise<{ err: unknown; ms: number }> {
    const started = Date.now();
    const err = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    return { err, ms: Date.now() - started };
  }

  it('fails a call that gets no answer after the timeout set on its source, as a retryable API_UNAVAILABLE', async function () {
    const kc = kubeConfigFor(server);
    setRequestTimeout(kc, 200);
    const { err, ms } = await failure(new KubeHttp(kc).request('GET', '/hang'));
    expect(err).to.be.instanceOf(RequestTimeoutError);
    expect((err as Error).message).to.equal(
      'GET /hang: no answer from the API server within 200 ms (--request-timeout)',
    );
    expect(ms).to.be.within(150, 3_000);
    const classified = classify(err, 'get things');
    expect(classified.code).to.equal('API_UNAVAILABLE');
    expect(classified.retryable).to.equal(true);
  });

  it('fails a call whose answer stops in the middle, and a client option overrides the source', async function () {
    const kc = kubeConfigFor(server);
    setRequestTimeout(kc, 60_000);
    const { err, ms } = await failure(new KubeHttp(kc, { requestTimeoutMs: 200 }).request('GET', '/half'));
    expect(err).to.be.instanceOf(RequestTimeoutError);
    expect(ms).to.be.within(150, 3_000);
  });

  it('fails a watch whose answer never starts after the timeout', async function () {
    const kc = kubeConfigFor(server);
    setRequestTimeout(kc, 200);
    const started = Date.now();
    const done = await new Promise<Error | null>((resolve) => {
      void new KubeHttp(kc).watch('/hang', {}, () => {}, resolve, { inactivityMs: 60_000 });
    });
    expect(done?.name).to.equal('HeadersTimeoutError');
    expect(Date.now() - started).to.be.within(150, 3_000);
  });
});
