// A watch that goes silent is never waited on for good: every watch asks the server to end it
// (timeoutSeconds), and the informer abandons one that sends nothing (no event, no bookmark) for its
// inactivity bound, then watches again from the last resourceVersion.
import { expect } from 'chai';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { Informer, type KubeObject } from '../../src/k8s/informer.js';
import { systemClock } from '../../src/util/clock.js';
import { kubeConfigFor } from '../support/local-server.js';

describe('an informer whose watch goes silent', function () {
  // The first call imports client-node (seconds under tsx).
  this.timeout(20_000);
  let server: Server;
  const watches: URLSearchParams[] = [];
  const held: ServerResponse[] = [];
  let informer: Informer<KubeObject> | undefined;

  beforeEach(async function () {
    // Lists answer at once; a watch answers its headers, then nothing, for good.
    server = createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      res.setHeader('content-type', 'application/json');
      if (query.get('watch') !== 'true') {
        res.writeHead(200).end(JSON.stringify({ items: [], metadata: { resourceVersion: '7' } }));
        return;
      }
      watches.push(query);
      held.push(res);
      res.writeHead(200);
      res.flushHeaders();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async function () {
    informer?.stop();
    for (const res of held.splice(0)) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('asks the server to end each watch, and watches again after its inactivity bound', async function () {
    const kc = kubeConfigFor(server);
    informer = new Informer<KubeObject>({
      kubeConfig: kc,
      resource: { group: 'g', version: 'v1', plural: 'things' },
      clock: systemClock,
      backoff: { initialMs: 10, maxMs: 10, jitter: 0 },
      watchInactivityMs: 300,
    });
    await informer.start();
    while (watches.length < 3) await new Promise((r) => setTimeout(r, 20));
    for (const query of watches) {
      expect(Number(query.get('timeoutSeconds'))).to.be.within(240, 360);
      expect(query.get('resourceVersion')).to.equal('7');
      expect(query.get('allowWatchBookmarks')).to.equal('true');
    }
  });
});
