import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { ERROR_CODES, OrchestratorError, classify } from '../../src/k8s/errors.js';
import { ApiWriter } from '../../src/k8s/writer.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};
const apiError = (code: number, message = 'nope') =>
  Object.assign(new Error(`HTTP ${code}`), { code, body: JSON.stringify({ message }) });

function writer(options: Partial<ConstructorParameters<typeof ApiWriter>[0]> = {}) {
  const clock = new SimulatedClock();
  clock.set(1_000_000);
  const w = new ApiWriter({
    qps: 10,
    burst: 2,
    maxConcurrent: 10,
    maxRetries: 3,
    backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
    clock,
    ...options,
  });
  w.recordIssued = true;
  return { w, clock };
}

describe('the API writer', function () {
  it('lets a burst through at once, then one call per 1/qps', async function () {
    const { w, clock } = writer();
    const done: number[] = [];
    for (let i = 0; i < 5; i++) void w.run('patch', 'X', `call ${i}`, async () => done.push(i));
    await flush();
    expect(done).to.deep.equal([0, 1]);
    clock.increment(100);
    await flush();
    expect(done).to.deep.equal([0, 1, 2]);
    for (let i = 0; i < 2; i++) {
      clock.increment(100);
      await flush();
    }
    expect(done).to.deep.equal([0, 1, 2, 3, 4]);
    expect(w.issued.map((t) => t - 1_000_000)).to.deep.equal([0, 0, 100, 200, 300]);
  });

  it('keeps at most maxConcurrent calls in flight', async function () {
    const { w } = writer({ qps: 1000, burst: 1000, maxConcurrent: 2 });
    const release: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const calls = Array.from({ length: 5 }, (_, i) =>
      w.run(
        'create',
        'X',
        `call ${i}`,
        () =>
          new Promise<void>((resolve) => {
            running++;
            most = Math.max(most, running);
            release.push(() => {
              running--;
              resolve();
            });
          }),
      ),
    );
    for (let i = 0; i < 5; i++) {
      await flush();
      release.shift()?.();
    }
    await Promise.all(calls);
    expect(most).to.equal(2);
  });

  it('serves an urgent call before the queue', async function () {
    const { w, clock } = writer({ burst: 1 });
    const order: string[] = [];
    void w.run('patch', 'X', 'first', async () => order.push('first'));
    void w.run('patch', 'X', 'queued', async () => order.push('queued'));
    void w.run('patch', 'X', 'pickup', async () => order.push('pickup'), { lane: 'urgent' });
    await flush();
    clock.increment(100);
    await flush();
    clock.increment(100);
    await flush();
    expect(order).to.deep.equal(['first', 'pickup', 'queued']);
  });

  it('serves a background call (an Event) after every waiting write', async function () {
    const { w, clock } = writer({ burst: 1 });
    const order: string[] = [];
    void w.run('patch', 'X', 'first', async () => order.push('first'));
    void w.run('create', 'Event', 'event', async () => order.push('event'), { lane: 'background' });
    void w.run('patch', 'X', 'status', async () => order.push('status'));
    void w.run('patch', 'X', 'pickup', async () => order.push('pickup'), { lane: 'urgent' });
    for (let i = 0; i < 3; i++) {
      await flush();
      clock.increment(100);
    }
    await flush();
    expect(order).to.deep.equal(['first', 'pickup', 'status', 'event']);
  });

  it("serves a suppressed request's write after the working ones, before Events, dropping none", async function () {
    const { w, clock } = writer({ burst: 1, maxBackground: 1 });
    const order: string[] = [];
    void w.run('patch', 'X', 'first', async () => order.push('first'));
    void w.run('patch', 'X', 'blocked', async () => order.push('blocked'), { lane: 'suppressed' });
    void w.run('create', 'Event', 'event', async () => order.push('event'), { lane: 'background' });
    void w.run('patch', 'X', 'skipped', async () => order.push('skipped'), { lane: 'suppressed' });
    void w.run('patch', 'X', 'status', async () => order.push('status'));
    void w.run('patch', 'X', 'pickup', async () => order.push('pickup'), { lane: 'urgent' });
    expect(w.queueDepth).to.equal(5);
    for (let i = 0; i < 6; i++) {
      await flush();
      clock.increment(100);
    }
    await flush();
    expect(order).to.deep.equal(['first', 'pickup', 'status', 'blocked', 'skipped', 'event']);
  });

  it('keeps the background lane bounded, dropping the oldest waiting call', async function () {
    let dropped = 0;
    const clock = new SimulatedClock();
    clock.set(1_000_000);
    const w = new ApiWriter(
      {
        qps: 1,
        burst: 1,
        maxConcurrent: 10,
        maxRetries: 0,
        backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
        clock,
        maxBackground: 3,
      },
      { dropped: () => dropped++ },
    );
    const done: string[] = [];
    const failed: string[] = [];
    void w.run('patch', 'X', 'first', async () => done.push('first'));
    for (const name of ['e1', 'e2', 'e3', 'e4', 'e5'])
      w.run('create', 'Event', name, async () => done.push(name), { lane: 'background' }).catch(() =>
        failed.push(name),
      );
    await flush();
    expect(w.queueDepth).to.equal(3);
    expect(failed).to.deep.equal(['e1', 'e2']);
    expect(dropped).to.equal(2);
    for (let i = 0; i < 4; i++) {
      clock.increment(1000);
      await flush();
    }
    expect(done).to.deep.equal(['first', 'e3', 'e4', 'e5']);
  });

  it('retries 5xx and connection errors with backoff, then succeeds', async function () {
    const { w, clock } = writer({ qps: 1000, burst: 1000 });
    const failures = [apiError(503), apiError(500), new Error('ECONNRESET')];
    let attempts = 0;
    const result = w.run('create', 'X', 'create X ns/a', async () => {
      attempts++;
      const f = failures.shift();
      if (f) throw f;
      return 'ok';
    });
    for (const wait of [100, 200, 400]) {
      await flush();
      clock.increment(wait);
    }
    expect(await result).to.equal('ok');
    expect(attempts).to.equal(4);
  });

  it('retries only the transient failures the caller names, and reports the others at once', async function () {
    const { w } = writer({ qps: 1000, burst: 1000 });
    let attempts = 0;
    const err = (await w
      .run(
        'create',
        'X',
        'create X ns/a',
        () => {
          attempts++;
          return Promise.reject(apiError(403));
        },
        { retry: (e) => e.code === 'API_UNAVAILABLE' },
      )
      .catch((e: unknown) => e)) as OrchestratorError;
    expect(err).to.include({ code: 'FORBIDDEN', retryable: true });
    expect(attempts).to.equal(1);
  });

  it('gives up after maxRetries with a classified, retryable error naming the call', async function () {
    const { w, clock } = writer({ qps: 1000, burst: 1000, maxRetries: 2 });
    const result = w.run('patch', 'X', 'write status of ns/a', () =>
      Promise.reject(apiError(500, 'etcd timeout')),
    );
    for (const wait of [100, 200]) {
      await flush();
      clock.increment(wait);
    }
    const err = (await result.catch((e: unknown) => e)) as OrchestratorError;
    expect(err).to.be.instanceOf(OrchestratorError);
    expect(err).to.include({ code: 'API_UNAVAILABLE', category: 'B', retryable: true, httpStatus: 500 });
    expect(err.message).to.equal(
      'write status of ns/a: the API server answered 500 (etcd timeout); retrying with backoff',
    );
  });

  it('does not retry what can never succeed: 422, 413, 409 and 404', async function () {
    for (const [code, expected] of [
      [422, 'INVALID_OBJECT'],
      [413, 'OBJECT_TOO_LARGE'],
      [409, 'STATUS_CONFLICT'],
      [404, 'GONE'],
    ] as const) {
      const { w } = writer();
      let attempts = 0;
      const err = (await w
        .run('create', 'X', 'create X ns/a', () => {
          attempts++;
          return Promise.reject(apiError(code));
        })
        .catch((e: unknown) => e)) as OrchestratorError;
      expect(err.code, String(code)).to.equal(expected);
      expect(attempts, String(code)).to.equal(1);
    }
  });
});

describe('the API writer without a fixed rate (the default)', function () {
  const throttled = (retryAfterSeconds?: number) =>
    Object.assign(apiError(429, 'too many requests'), { retryAfterSeconds });

  it('issues calls as fast as the concurrency limit allows, with no token to wait for', async function () {
    const { w } = writer({ qps: 0, maxConcurrent: 64 });
    const done: number[] = [];
    for (let i = 0; i < 500; i++) void w.run('patch', 'X', `call ${i}`, async () => done.push(i));
    await flush();
    await flush();
    expect(done).to.have.length(500);
    expect(new Set(w.issued)).to.deep.equal(new Set([1_000_000]));
  });

  it('grows the limit while calls succeed, and reports it', async function () {
    const limits: number[] = [];
    const clock = new SimulatedClock();
    const w = new ApiWriter(
      {
        qps: 0,
        burst: 1,
        maxConcurrent: 32,
        maxRetries: 0,
        backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
        clock,
      },
      { concurrencyLimit: (limit) => limits.push(limit) },
    );
    expect(w.concurrencyLimit).to.equal(4);
    await Promise.all(Array.from({ length: 200 }, (_, i) => w.run('patch', 'X', `call ${i}`, async () => i)));
    expect(w.concurrencyLimit).to.equal(32);
    expect(limits[0]).to.equal(4);
    expect(limits.at(-1)).to.equal(32);
  });

  it("retries a 429 after the server's Retry-After, without limit, and halves the concurrency limit", async function () {
    const { w, clock } = writer({ qps: 0, maxRetries: 0, maxConcurrent: 8, adaptive: { initial: 8 } });
    const tries: number[] = [];
    const result = w.run('create', 'X', 'create X ns/a', async () => {
      tries.push(clock.now() - 1_000_000);
      if (tries.length <= 10) throw throttled(3);
      return 'ok';
    });
    for (let i = 0; i < 10; i++) {
      await flush();
      expect(w.inFlightCount, 'no slot held while waiting').to.equal(0);
      clock.increment(3000);
    }
    expect(await result).to.equal('ok');
    expect(tries).to.deep.equal(Array.from({ length: 11 }, (_, i) => i * 3000));
    expect(w.concurrencyLimit).to.be.lessThan(8);
  });

  it('backs off exponentially on a 429 without Retry-After', async function () {
    const { w, clock } = writer({ qps: 0, maxRetries: 0 });
    const tries: number[] = [];
    const result = w.run('patch', 'X', 'patch X ns/a', async () => {
      tries.push(clock.now() - 1_000_000);
      if (tries.length <= 3) throw throttled();
      return 'ok';
    });
    for (const wait of [100, 200, 400]) {
      await flush();
      clock.increment(wait);
    }
    expect(await result).to.equal('ok');
    expect(tries).to.deep.equal([0, 100, 300, 700]);
  });

  it('reads Retry-After from the Status details when the header is not there', async function () {
    const { w, clock } = writer({ qps: 0, maxRetries: 0 });
    const tries: number[] = [];
    const status = JSON.stringify({ kind: 'Status', code: 429, details: { retryAfterSeconds: 2 } });
    const result = w.run('patch', 'X', 'patch X ns/a', async () => {
      tries.push(clock.now() - 1_000_000);
      if (tries.length === 1) throw Object.assign(new Error('429'), { code: 429, body: status });
      return 'ok';
    });
    await flush();
    clock.increment(1999);
    await flush();
    expect(tries).to.deep.equal([0]);
    clock.increment(1);
    expect(await result).to.equal('ok');
    expect(tries).to.deep.equal([0, 2000]);
  });

  it('holds calls beyond the limit until one finishes, urgent first', async function () {
    const { w } = writer({ qps: 0, maxConcurrent: 1 });
    const order: string[] = [];
    let finish!: () => void;
    void w.run('patch', 'X', 'first', () =>
      new Promise<void>((r) => (finish = r)).then(() => order.push('first')),
    );
    void w.run('patch', 'X', 'queued', async () => order.push('queued'));
    void w.run('patch', 'X', 'pickup', async () => order.push('pickup'), { lane: 'urgent' });
    await flush();
    expect(order).to.deep.equal([]);
    expect(w.queueDepth).to.equal(2);
    finish();
    await flush();
    expect(order).to.deep.equal(['first', 'pickup', 'queued']);
  });
});

describe('the error catalog', function () {
  it('classifies every answer into a code, a category and retryability', function () {
    const cases: [unknown, keyof typeof ERROR_CODES][] = [
      [new Error('fetch failed'), 'API_UNAVAILABLE'],
      [apiError(429), 'API_UNAVAILABLE'],
      [apiError(502), 'API_UNAVAILABLE'],
      [apiError(401), 'FORBIDDEN'],
      [apiError(403), 'FORBIDDEN'],
      [apiError(404), 'GONE'],
      [apiError(409), 'STATUS_CONFLICT'],
      [apiError(400), 'INVALID_OBJECT'],
      [apiError(422), 'INVALID_OBJECT'],
      [apiError(405), 'INVALID_OBJECT'],
      [apiError(415), 'INVALID_OBJECT'],
      [apiError(413), 'OBJECT_TOO_LARGE'],
      [apiError(500, 'etcdserver: request is too large'), 'OBJECT_TOO_LARGE'],
      [apiError(500, 'etcdserver: leader changed'), 'API_UNAVAILABLE'],
    ];
    for (const [err, code] of cases) {
      const c = classify(err, 'call');
      expect(c.code).to.equal(code);
      expect(c.retryable).to.equal(ERROR_CODES[code].retryable);
      expect(c.category).to.equal(ERROR_CODES[code].category);
    }
  });
  it('says what to do about a refused call', function () {
    expect(classify(apiError(403, 'forbidden: cannot patch'), 'patch ns/a').message).to.equal(
      'patch ns/a: the API server answered 403 (forbidden: cannot patch); grant the orchestrator the verbs of config/rbac/role.yaml',
    );
  });
  it('says that an object too large to store is not tried again', function () {
    expect(
      classify(apiError(413, 'Request entity too large: limit is 3145728'), 'create AIAnalysis ns/a').message,
    ).to.equal(
      'create AIAnalysis ns/a: too large to store (413: Request entity too large: limit is 3145728); it is not tried again',
    );
  });
  it('keeps an error that is already classified', function () {
    const e = new OrchestratorError('CHILD_CONFLICT', 'x');
    expect(classify(e, 'y')).to.equal(e);
  });
});
