import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { API_VERSION, KINDS } from '../../src/api/index.js';
import { classify } from '../../src/k8s/errors.js';
import { Informer, type InformerEventType } from '../../src/k8s/informer.js';
import { ContentType, fenceWrites, KubeApiError, KubeHttp, type Query } from '../../src/k8s/kube-http.js';
import { FencedWriteError } from '../../src/k8s/write-fence.js';
import { freePort } from '../../src/testing/processes.js';
import { systemClock } from '../../src/util/clock.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { remediationRequest } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, type Obj } from '../support/kube.js';

const rr = KINDS.RemediationRequest;
const rrs = (ns: string): string => `/apis/${rr.group}/${API_VERSION}/namespaces/${ns}/${rr.plural}`;
const body = (name: string) => ({
  apiVersion: `${rr.group}/${API_VERSION}`,
  kind: rr.kind,
  ...remediationRequest(name),
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('the call succeeded where it should have failed');
}

interface Seen {
  events: { type: string; object: Obj }[];
  done: Promise<Error | null>;
  abort(): void;
}

/** Watches `path` until `until` holds for the events so far (resolves `reached`) or the watch ends. */
async function watch(
  http: KubeHttp,
  path: string,
  query: Query,
  until: (events: Seen['events']) => boolean = () => false,
  inactivityMs?: number,
) {
  const events: Seen['events'] = [];
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  let finish!: (err: Error | null) => void;
  const done = new Promise<Error | null>((resolve) => (finish = resolve));
  const handle = await http.watch<Obj>(
    path,
    query,
    (type, object) => {
      events.push({ type, object });
      if (until(events)) reach();
    },
    finish,
    { inactivityMs },
  );
  return { events, done, reached, abort: () => handle.abort() };
}

describe('KubeHttp, the JSON client on undici', function () {
  let kc: KubeConfig;
  let http: KubeHttp;
  let ns: string;

  before(async function () {
    kc = controlPlane().kubeConfig;
    http = new KubeHttp(kc);
    ns = await createNamespace(kc, 'kube-http');
    // Right after its CRD is installed the kind's storage may answer 429 for a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await http.request('GET', rrs(ns));
        break;
      } catch (err) {
        if ((err as KubeApiError).statusCode !== 429 || attempt > 50) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });
  after(async function () {
    await deleteNamespace(kc, ns);
  });

  it('creates, gets, merge-patches and patches the status of an object', async function () {
    const created = await http.request<Obj>('POST', rrs(ns), { body: body('round-trip') });
    expect(created.metadata.uid).to.be.a('string');
    const read = await http.request<Obj>('GET', `${rrs(ns)}/round-trip`);
    expect(read.metadata.resourceVersion).to.equal(created.metadata.resourceVersion);
    expect(read.spec).to.deep.equal(created.spec);

    const labelled = await http.request<Obj>('PATCH', `${rrs(ns)}/round-trip`, {
      body: { metadata: { labels: { team: 'payments' } } },
      contentType: ContentType.mergePatch,
    });
    expect(labelled.metadata.labels).to.deep.equal({ team: 'payments' });

    const status = { phase: 'Processing', overallProgress: 20 };
    const patched = await http.request<Obj>('PATCH', `${rrs(ns)}/round-trip/status`, {
      body: { status },
      contentType: ContentType.mergePatch,
    });
    expect(patched.status).to.deep.equal(status);
    expect((await http.request<Obj>('GET', `${rrs(ns)}/round-trip`)).status).to.deep.equal(status);

    const list = await http.request<{ items: Obj[] }>('GET', rrs(ns), {
      query: { labelSelector: 'team=payments', limit: 10, continue: undefined },
    });
    expect(list.items.map((o) => o.metadata.name)).to.deep.equal(['round-trip']);
  });

  it('throws the server Status with statusCode, classified GONE for 404 and STATUS_CONFLICT for 409', async function () {
    const missing = await rejection(http.request('GET', `${rrs(ns)}/missing`));
    expect(missing).to.be.instanceOf(KubeApiError);
    expect((missing as KubeApiError).statusCode).to.equal(404);
    expect((missing as KubeApiError).body).to.include({ kind: 'Status', reason: 'NotFound' });
    expect(classify(missing, 'get')).to.include({ code: 'GONE', httpStatus: 404 });

    await http.request('POST', rrs(ns), { body: body('twice') });
    const conflict = await rejection(http.request('POST', rrs(ns), { body: body('twice') }));
    expect((conflict as KubeApiError).statusCode).to.equal(409);
    const classified = classify(conflict, 'create twice');
    expect(classified).to.include({ code: 'STATUS_CONFLICT', httpStatus: 409 });
    expect(classified.message).to.contain('already exists');
  });

  it('asks the write fence again as undici sends: a gate closed after the first check sends nothing', async function () {
    const fencedConfig = new KubeConfig();
    fencedConfig.loadFromString(kc.exportConfig());
    let open = true;
    let asked = 0;
    fenceWrites(fencedConfig, () => {
      asked++;
      return open;
    });
    const fenced = new KubeHttp(fencedConfig);
    await fenced.request('POST', rrs(ns), { body: body('fenced-open') });
    expect(asked).to.equal(2);
    expect((await http.request<Obj>('GET', `${rrs(ns)}/fenced-open`)).metadata.name).to.equal('fenced-open');

    // Open when KubeHttp hands the call to undici, closed when undici is about to send it: a process
    // paused in between (SIGSTOP) and resumed after another replica took over.
    asked = 0;
    const closesAfterFirstCheck = (): boolean => ++asked === 1;
    fenceWrites(fencedConfig, closesAfterFirstCheck);
    const refused = await rejection(fenced.request('POST', rrs(ns), { body: body('fenced-late') }));
    expect(refused).to.be.instanceOf(FencedWriteError);
    expect(asked).to.equal(2);
    const missing = await rejection(http.request('GET', `${rrs(ns)}/fenced-late`));
    expect((missing as KubeApiError).statusCode).to.equal(404);
    // Reads are never fenced.
    open = false;
    await fenced.request('GET', rrs(ns));
    expect(asked).to.equal(2);
  });

  it('throws a connection failure as it comes, classified API_UNAVAILABLE', async function () {
    const port = await freePort();
    const nobody = new KubeConfig();
    nobody.loadFromOptions({
      clusters: [{ name: 'c', server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const err = await rejection(new KubeHttp(nobody).request('GET', '/api/v1/namespaces'));
    expect(err).not.to.be.instanceOf(KubeApiError);
    expect(classify(err, 'list').code).to.equal('API_UNAVAILABLE');
  });

  it('watches ADDED, MODIFIED and DELETED in order', async function () {
    const { metadata } = await http.request<{ metadata: { resourceVersion: string } }>('GET', rrs(ns));
    const seen = await watch(
      http,
      rrs(ns),
      { resourceVersion: metadata.resourceVersion, fieldSelector: 'metadata.name=watched' },
      (events) => events.some((e) => e.type === 'DELETED'),
    );
    await http.request('POST', rrs(ns), { body: body('watched') });
    await http.request('PATCH', `${rrs(ns)}/watched/status`, {
      body: { status: { phase: 'Processing' } },
      contentType: ContentType.mergePatch,
    });
    await http.request('DELETE', `${rrs(ns)}/watched`);
    await seen.reached;
    seen.abort();
    expect(seen.events.map((e) => e.type)).to.deep.equal(['ADDED', 'MODIFIED', 'DELETED']);
    expect(seen.events[1]?.object.status).to.deep.equal({ phase: 'Processing' });
    expect(await seen.done).to.equal(null);
  });

  it('ends quietly on abort and delivers nothing after it', async function () {
    const { metadata } = await http.request<{ metadata: { resourceVersion: string } }>('GET', rrs(ns));
    const query = { resourceVersion: metadata.resourceVersion, fieldSelector: 'metadata.name=after-abort' };
    const aborted = await watch(http, rrs(ns), query);
    aborted.abort();
    expect(await aborted.done).to.equal(null);
    const witness = await watch(http, rrs(ns), query, (events) => events.length > 0);
    await http.request('POST', rrs(ns), { body: body('after-abort') });
    await witness.reached;
    witness.abort();
    expect(aborted.events).to.deep.equal([]);
  });

  it('reports a too-old resourceVersion as 410 Gone', async function () {
    const seen = await watch(http, rrs(ns), { resourceVersion: '1' }, (events) =>
      events.some((e) => e.type === 'ERROR'),
    );
    const err = await seen.done;
    // The watch cache answers 200 and an ERROR event; an uncached watch answers HTTP 410.
    const code = err
      ? (err as KubeApiError).statusCode
      : (seen.events.find((e) => e.type === 'ERROR')?.object as { code?: number } | undefined)?.code;
    expect(code).to.equal(410);
  });

  it('ends with a KubeApiError for a non-200 answer and a TimeoutError after inactivity', async function () {
    const notFound = await watch(http, '/apis/nothing.example.com/v1/things', {});
    expect(await notFound.done)
      .to.be.instanceOf(KubeApiError)
      .with.property('statusCode', 404);

    const { metadata } = await http.request<{ metadata: { resourceVersion: string } }>('GET', rrs(ns));
    const quiet = await watch(
      http,
      rrs(ns),
      { resourceVersion: metadata.resourceVersion, fieldSelector: 'metadata.name=never' },
      undefined,
      300,
    );
    expect(await quiet.done).to.have.property('name', 'TimeoutError');
  });
});

describe('the Informer on KubeHttp', function () {
  let kc: KubeConfig;
  let http: KubeHttp;
  let ns: string;

  before(async function () {
    kc = controlPlane().kubeConfig;
    http = new KubeHttp(kc);
    ns = await createNamespace(kc, 'informer');
  });
  after(async function () {
    await deleteNamespace(kc, ns);
  });

  it('applies transform to listed and watched objects before storing, indexing and handlers', async function () {
    await http.request('POST', rrs(ns), { body: body('listed') });
    await http.request('POST', rrs(ns), { body: body('listed-2') });
    const informer = new Informer<Obj>({
      kubeConfig: kc,
      resource: { group: rr.group, version: API_VERSION, plural: rr.plural, namespace: ns },
      clock: systemClock,
      backoff: { initialMs: 100, maxMs: 1000, jitter: 0.2 },
      pageSize: 1,
      indexers: { byProjection: (o) => [String(o.projected)] },
      transform: (o) => {
        const { managedFields: _dropped, ...metadata } = o.metadata;
        return { ...o, metadata, projected: true };
      },
    });
    const seen: { type: InformerEventType; object: Obj }[] = [];
    let deleted!: () => void;
    const gone = new Promise<void>((resolve) => (deleted = resolve));
    informer.on((type, object) => {
      seen.push({ type, object });
      if (type === 'deleted') deleted();
    });
    try {
      await informer.start();
      await http.request('POST', rrs(ns), { body: body('watched') });
      await http.request('PATCH', `${rrs(ns)}/watched/status`, {
        body: { status: { phase: 'Processing' } },
        contentType: ContentType.mergePatch,
      });
      await http.request('DELETE', `${rrs(ns)}/listed`);
      await gone;
      expect(seen.map((e) => `${e.type} ${e.object.metadata.name}`)).to.deep.equal([
        'added listed',
        'added listed-2',
        'added watched',
        'modified watched',
        'deleted listed',
      ]);
      for (const { object } of seen) {
        expect(object.projected, object.metadata.name).to.equal(true);
        expect(object.metadata, object.metadata.name).not.to.have.property('managedFields');
      }
      expect(
        informer
          .byIndex('byProjection', 'true')
          .map((o) => o.metadata.name)
          .sort(),
      ).to.deep.equal(['listed-2', 'watched']);
      expect(informer.get(ns, 'watched')?.metadata).not.to.have.property('managedFields');
    } finally {
      informer.stop();
    }
  });
});
