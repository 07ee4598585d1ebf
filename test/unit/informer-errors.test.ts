// The informer reports its failures as codes of the error catalog: a failed list is classified like any
// call (here FORBIDDEN, category B), a watch that ends with an error is WATCH_LOST (category D).
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { OrchestratorError } from '../../src/k8s/errors.js';
import { Informer, type KubeObject } from '../../src/k8s/informer.js';
import { systemClock } from '../../src/util/clock.js';
import { kubeConfigFor } from '../support/local-server.js';

/** A fake API server: the first list is refused (403), the next succeeds, every watch fails (500). */
function fakeApiServer(): Server {
  let lists = 0;
  return createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (!req.url?.includes('watch=true') && lists++ === 0) {
      res.writeHead(403).end(JSON.stringify({ kind: 'Status', code: 403, message: 'things is forbidden' }));
    } else if (!req.url?.includes('watch=true')) {
      res.writeHead(200).end(JSON.stringify({ items: [], metadata: { resourceVersion: '7' } }));
    } else {
      const status = { kind: 'Status', code: 500, message: 'etcd is down' };
      res.writeHead(200).end(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
    }
  });
}

describe('informer errors', function () {
  let server: Server;
  let informer: Informer<KubeObject> | undefined;

  beforeEach(async function () {
    server = fakeApiServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async function () {
    informer?.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reports a refused list as FORBIDDEN and a failed watch as WATCH_LOST', async function () {
    const kc = kubeConfigFor(server);
    const errors: { phase: string; error: unknown }[] = [];
    const watchLost = new Promise<void>((resolve) => {
      informer = new Informer<KubeObject>({
        kubeConfig: kc,
        resource: { group: 'g', version: 'v1', plural: 'things' },
        clock: systemClock,
        backoff: { initialMs: 1, maxMs: 1, jitter: 0 },
        onError: (error, { phase }) => {
          errors.push({ phase, error });
          if (phase === 'watch') resolve();
        },
      });
    });
    await informer!.start();
    await watchLost;
    informer!.stop();

    const [list, watch] = errors;
    expect(list?.phase).to.equal('list');
    expect(list?.error).to.be.instanceOf(OrchestratorError);
    expect(list?.error).to.include({ code: 'FORBIDDEN', category: 'B', httpStatus: 403 });
    expect(watch?.phase).to.equal('watch');
    expect(watch?.error).to.be.instanceOf(OrchestratorError);
    expect(watch?.error).to.include({ code: 'WATCH_LOST', category: 'D', retryable: true, httpStatus: 500 });
    expect((watch?.error as Error).message).to.include('etcd is down');
  });
});
