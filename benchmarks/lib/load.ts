// Drives the load: creates the run's RemediationRequests all at once (concurrency-limited) or at a
// steady rate, retrying a failed create with backoff, and stamps each create on the observer's clock.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { API_VERSION, KINDS, apiVersionOf } from '../../src/api/index.js';
import type { RequestTiming } from './observer.js';

/** The names of a run's `count` requests, in creation order. */
export function requestNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
}

/** Runs `work(i)` for i in [0, count), at most `concurrency` at once, the i-th not before `startAt(i)`. */
export async function pool(
  count: number,
  concurrency: number,
  startAt: (i: number) => number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const wait = startAt(i) - performance.now();
      if (wait > 0) await sleep(wait);
      await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => worker()));
}

/**
 * The body of request `i`. Without `fingerprints`, a problem of its own (fingerprint and target), critical.
 * With it, an alert storm: request i repeats problem i mod `fingerprints` (its fingerprint and its
 * target), with severity warning, which storm protection may hold.
 */
export function requestBody(name: string, i: number, fingerprints?: number): object {
  const problem = fingerprints ? `storm-${i % fingerprints}` : name;
  return {
    apiVersion: apiVersionOf('RemediationRequest'),
    kind: KINDS.RemediationRequest.kind,
    metadata: { name },
    spec: {
      targetingData: {
        signalFingerprint: `bench:${problem}`,
        alertName: 'HighMemoryUsage',
        environment: 'production',
        severity: fingerprints ? 'warning' : 'critical',
        namespace: 'payments',
        // Its own target too: storm protection's ResourceBusy lets one request per target execute at a time.
        resource: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: `payment-api-${problem}`,
          namespace: 'payments',
        },
        labels: { team: 'payments' },
      },
    },
  };
}

export interface LoadPlan {
  names: string[];
  /** The start of the run on performance.now()'s clock; a steady rate counts from it. */
  t0: number;
  /** Requests per second; all at once when absent. */
  rate: number | undefined;
  /** Creates in flight at once (at least 64 at a steady rate, so that slow answers do not lower it). */
  concurrency: number;
  /** An alert storm: the requests repeat this many problems (requestBody). */
  fingerprints?: number;
}

/** The creates of one run; its counters are read live by the progress line and the sampler. */
export class Load {
  created = 0;
  createErrors = 0;
  /** Each successful create call's duration, ms. */
  readonly createCalls: number[] = [];

  constructor(
    private readonly custom: CustomObjectsApi,
    private readonly namespace: string,
    private readonly timing: (name: string) => RequestTiming,
  ) {}

  /** Creates every request of `plan`; resolves when the last create is answered, with that time. */
  async run({ names, t0, rate, concurrency, fingerprints }: LoadPlan): Promise<number> {
    await pool(
      names.length,
      rate ? Math.max(concurrency, 64) : concurrency,
      rate ? (i) => t0 + (i / rate) * 1000 : () => 0,
      (i) => this.create(names[i]!, requestBody(names[i]!, i, fingerprints)),
    );
    return performance.now();
  }

  private async create(name: string, body: object): Promise<void> {
    const timing = this.timing(name);
    const rr = KINDS.RemediationRequest;
    for (let attempt = 0; ; attempt++) {
      const sent = performance.now();
      timing.createSentAt ??= sent;
      try {
        await this.custom.createNamespacedCustomObject({
          group: rr.group,
          version: API_VERSION,
          plural: rr.plural,
          namespace: this.namespace,
          body,
        });
        const answered = performance.now();
        timing.createdAt = answered;
        this.createCalls.push(answered - sent);
        this.created++;
        return;
      } catch (err) {
        if ((err as { code?: number }).code === 409) {
          this.created++; // an earlier attempt went through
          return;
        }
        this.createErrors++;
        if (attempt >= 5)
          throw new Error(`creating ${name} failed ${attempt + 1} times: ${String(err)}`, { cause: err });
        await sleep(100 * 2 ** attempt);
      }
    }
  }
}
