// API Priority and Fairness against one API user: a FlowSchema that sends the user's writes (its
// lists and watches keep their usual level) to a priority level of its own with very few seats and
// a short queue, so that the API server itself answers 429 under load. For the backpressure test and
// the benchmark's --apf-seats.
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { Informer, type KubeObject } from '../k8s/informer.js';
import { KubeHttp } from '../k8s/kube-http.js';
import { systemClock } from '../util/clock.js';

const FLOWCONTROL = '/apis/flowcontrol.apiserver.k8s.io/v1';

export type FlowSubject =
  | { kind: 'User'; user: { name: string } }
  | { kind: 'ServiceAccount'; serviceAccount: { name: string; namespace: string } };

export interface WriteLimitOptions {
  /** The FlowSchema's and the priority level's name; `<name>-padding` too with `seats`. */
  name: string;
  subject: FlowSubject;
  /**
   * Exactly this many seats. A level's nominal seats are the server's concurrency limit times its
   * share of all levels' nominalConcurrencyShares, rounded up; the default levels hold 245 shares,
   * so one share is about 6 seats of a 1,500-seat server. For fewer, a padding level (all of it
   * lendable, so others can borrow it) brings the shares up to about one per seat, which shrinks
   * every other level's nominal seats while it is in place: for a throwaway control plane only.
   * Checked against the API server's apiserver_flowcontrol_nominal_limit_seats.
   */
  seats?: number;
  /** Otherwise this many nominalConcurrencyShares, nothing else changed. Default 1. */
  shares?: number;
  /** Requests that may wait in the level's one queue; the rest are answered 429 at once. Default 2. */
  queueLengthLimit?: number;
}

export interface WriteLimit {
  name: string;
  /** The level's nominal seats as the API server reports them; undefined when its /metrics cannot be read. */
  nominalSeats: number | undefined;
  queueLengthLimit: number;
  /** Deletes the FlowSchema and the priority levels. */
  remove(): Promise<void>;
}

type PriorityLevel = KubeObject & {
  spec?: {
    type?: string;
    limited?: { nominalConcurrencyShares?: number };
    exempt?: { nominalConcurrencyShares?: number };
  };
};
type FlowSchema = KubeObject & { status?: { conditions?: { type: string; status: string }[] } };

/** The API server's /metrics text, read with the KubeConfig's credentials. */
async function apiServerMetrics(kc: KubeConfig): Promise<string> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the KubeConfig names no cluster');
  const options: Parameters<typeof request>[1] = {};
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(`${server}/metrics`, { ...options, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(body)
          : reject(new Error(`GET ${server}/metrics answered ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET ${server}/metrics timed out`)));
    req.end();
  });
}

/** apiserver_flowcontrol_nominal_limit_seats by priority level. */
export function nominalSeatsByLevel(metricsText: string): Map<string, number> {
  const seats = new Map<string, number>();
  for (const m of metricsText.matchAll(
    /^apiserver_flowcontrol_nominal_limit_seats\{[^}]*priority_level="([^"]+)"[^}]*\}\s+(\S+)$/gm,
  ))
    seats.set(m[1]!, Number(m[2]));
  return seats;
}

/** Resolves once the API server's APF controller has taken `name` in (its Dangling condition is False). */
async function flowSchemaInEffect(kc: KubeConfig, name: string): Promise<void> {
  const informer = new Informer<FlowSchema>({
    kubeConfig: kc,
    resource: { group: 'flowcontrol.apiserver.k8s.io', version: 'v1', plural: 'flowschemas' },
    clock: systemClock,
    backoff: { initialMs: 100, maxMs: 1000, jitter: 0.2 },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`FlowSchema ${name} not taken in within 30 s`)),
        30_000,
      );
      const check = (): void => {
        const fs = informer.list().find((o) => o.metadata?.name === name);
        const dangling = fs?.status?.conditions?.find((c) => c.type === 'Dangling');
        if (dangling?.status === 'False') {
          clearTimeout(timer);
          resolve();
        }
      };
      informer.on(check);
      informer.start().then(check, reject);
    });
  } finally {
    informer.stop();
  }
}

const shareOf = (pl: PriorityLevel): number =>
  pl.spec?.type === 'Exempt'
    ? (pl.spec.exempt?.nominalConcurrencyShares ?? 0)
    : (pl.spec?.limited?.nominalConcurrencyShares ?? 30);

/**
 * The padding level's shares for `seats` seats: the sum of all levels' nominal seats (each rounded
 * up, so at least the server's limit and less than it plus one per level) less the shares of the
 * levels there are, less ours. Then one share is one seat, give or take the rounding.
 */
export function paddingShares(nominalSeatsSum: number, otherShares: number, seats: number): number {
  return nominalSeatsSum - otherShares - seats;
}

/** Gives `subject`'s writes a priority level of their own; see WriteLimitOptions. */
export async function limitWrites(admin: KubeConfig, options: WriteLimitOptions): Promise<WriteLimit> {
  const { name, subject, seats } = options;
  const queueLengthLimit = options.queueLengthLimit ?? 2;
  const http = new KubeHttp(admin);
  const padding = `${name}-padding`;
  const created: string[] = [];
  const remove = async (): Promise<void> => {
    for (const path of created.splice(0).reverse()) await http.request('DELETE', path).catch(() => undefined);
  };
  const create = async (plural: string, body: object): Promise<void> => {
    await http.request('POST', `${FLOWCONTROL}/${plural}`, { body });
    created.push(`${FLOWCONTROL}/${plural}/${(body as { metadata: { name: string } }).metadata.name}`);
  };
  const level = (levelName: string, shares: number, lendablePercent: number, queuing: boolean): object => ({
    metadata: { name: levelName },
    spec: {
      type: 'Limited',
      limited: {
        nominalConcurrencyShares: shares,
        lendablePercent,
        borrowingLimitPercent: 0,
        limitResponse: queuing
          ? { type: 'Queue', queuing: { queues: 1, handSize: 1, queueLengthLimit } }
          : { type: 'Reject' },
      },
    },
  });
  try {
    let shares = options.shares ?? 1;
    if (seats !== undefined) {
      if (!Number.isInteger(seats) || seats < 1)
        throw new Error(`APF seats: ${seats} is not a positive integer`);
      const levels = (
        await http.request<{ items: PriorityLevel[] }>('GET', `${FLOWCONTROL}/prioritylevelconfigurations`)
      ).items;
      const others = levels.filter((l) => l.metadata?.name !== name && l.metadata?.name !== padding);
      const seatsSum = [...nominalSeatsByLevel(await apiServerMetrics(admin)).values()].reduce(
        (a, b) => a + b,
        0,
      );
      const pad = paddingShares(
        seatsSum,
        others.reduce((n, l) => n + shareOf(l), 0),
        seats,
      );
      if (pad < 0)
        throw new Error(`APF seats: at most ${seats + pad} seats can be given this way, not ${seats}`);
      shares = seats;
      if (pad > 0) await create('prioritylevelconfigurations', level(padding, pad, 100, false));
    }
    // Nothing lent, nothing borrowed: the level runs on its nominal seats alone.
    await create('prioritylevelconfigurations', level(name, shares, 0, true));
    await create('flowschemas', {
      metadata: { name },
      spec: {
        priorityLevelConfiguration: { name },
        matchingPrecedence: 500,
        distinguisherMethod: { type: 'ByUser' },
        rules: [
          {
            subjects: [subject],
            resourceRules: [
              {
                verbs: ['create', 'update', 'patch', 'delete'],
                apiGroups: ['*'],
                resources: ['*'],
                namespaces: ['*'],
                clusterScope: true,
              },
            ],
          },
        ],
      },
    });
    await flowSchemaInEffect(admin, name);
    // The controller sets the level's seats before it writes the FlowSchema's status.
    const nominalSeats = await apiServerMetrics(admin).then(
      (text) => nominalSeatsByLevel(text).get(name),
      (err: unknown) => {
        if (seats !== undefined) throw err;
        return undefined;
      },
    );
    if (seats !== undefined && nominalSeats !== seats)
      throw new Error(
        `APF seats: asked for ${seats}, the API server gave priority level ${name} ${nominalSeats}`,
      );
    return { name, nominalSeats, queueLengthLimit, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
