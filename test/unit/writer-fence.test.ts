import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { OrchestratorError } from '../../src/k8s/errors.js';
import { ApiWriter } from '../../src/k8s/writer.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function fencedWriter(leading: { value: boolean }) {
  const clock = new SimulatedClock();
  clock.set(1_000_000);
  const w = new ApiWriter({
    qps: 10,
    burst: 1,
    maxConcurrent: 10,
    maxRetries: 3,
    backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
    clock,
    fence: () => leading.value,
  });
  return { w, clock };
}

describe('the API writer behind the leadership fence', function () {
  it('refuses queued writes unsent once leadership is lost', async function () {
    const leading = { value: true };
    const { w, clock } = fencedWriter(leading);
    const sent: number[] = [];
    const results = Array.from({ length: 4 }, (_, i) =>
      w
        .run('patch', 'X', `call ${i}`, async () => sent.push(i))
        .then(
          () => 'done',
          (err: unknown) => err,
        ),
    );
    await flush();
    expect(sent).to.deep.equal([0]);
    leading.value = false;
    for (let i = 0; i < 10; i++) {
      clock.increment(100);
      await flush();
    }
    expect(sent).to.deep.equal([0]);
    const outcomes = await Promise.all(results);
    expect(outcomes[0]).to.equal('done');
    for (const refused of outcomes.slice(1)) {
      expect(refused).to.be.instanceOf(OrchestratorError);
      expect((refused as Error).message).to.match(/no longer holds the leader Lease/);
    }
    expect(w.inFlightCount).to.equal(0);
  });

  it('does not retry a failed write once leadership is lost during its backoff', async function () {
    const leading = { value: true };
    const { w, clock } = fencedWriter(leading);
    let calls = 0;
    const result = w
      .run('patch', 'X', 'flaky', async () => {
        calls++;
        throw Object.assign(new Error('HTTP 503'), { code: 503 });
      })
      .catch((err: unknown) => err);
    await flush();
    expect(calls).to.equal(1);
    leading.value = false;
    clock.increment(10_000);
    await flush();
    expect(await result).to.be.instanceOf(OrchestratorError);
    expect(calls).to.equal(1);
  });
});
