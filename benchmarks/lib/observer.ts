// Watches a namespace from outside the orchestrator and stamps every event with the time it was
// received, on one monotonic clock (performance.now()). Only times are kept per request, so memory
// stays small next to the informers' own caches.
import type { KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, CHILD_KINDS, KINDS, LABEL_REMEDIATION_REQUEST, TERMINAL_PHASES, type KindName } from '../../src/api/index.js';
import { Informer, type KubeObject } from '../../src/k8s/informer.js';
import { systemClock } from '../../src/util/clock.js';

type Observed = KubeObject & { status?: { phase?: string } };

/** The child phase after which the orchestrator must create the next child. */
const DONE_PHASE: Partial<Record<KindName, string>> = {
  RemediationProcessing: 'Completed',
  AIAnalysis: 'Ready',
  WorkflowExecution: 'Planned',
  KubernetesExecution: 'Completed',
};

export interface ChildTiming {
  kind: KindName;
  /** First observation of the child (its ADDED event). */
  addedAt: number;
  /** First observation of its done phase (DONE_PHASE), if any. */
  doneAt?: number;
}

export interface RequestTiming {
  createSentAt?: number;
  createdAt?: number;
  /** First observation of the request with a status phase. */
  firstPhaseAt?: number;
  terminalAt?: number;
  terminalPhase?: string;
  children: Map<string, ChildTiming>;
}

export class Observer {
  readonly requests = new Map<string, RequestTiming>();
  private readonly informers: Informer<Observed>[] = [];
  pickedUp = 0;
  finished = 0;
  succeeded = 0;
  /** Times of terminal observations, in order, for throughput over time. */
  readonly finishTimes: number[] = [];
  watchErrors = 0;

  constructor(private readonly kubeConfig: KubeConfig, private readonly namespace: string) {}

  timing(name: string): RequestTiming {
    let t = this.requests.get(name);
    if (!t) this.requests.set(name, (t = { children: new Map() }));
    return t;
  }

  async start(): Promise<void> {
    for (const kind of ['RemediationRequest', ...CHILD_KINDS] as KindName[]) {
      const informer = new Informer<Observed>({
        kubeConfig: this.kubeConfig,
        resource: { group: KINDS[kind].group, version: API_VERSION, plural: KINDS[kind].plural, namespace: this.namespace },
        clock: systemClock,
        backoff: { initialMs: 100, maxMs: 2000, jitter: 0.5 },
        onError: () => void this.watchErrors++,
      });
      informer.on((type, object) => {
        const at = performance.now();
        if (type === 'deleted') return;
        if (kind === 'RemediationRequest') this.onRequest(object, at);
        else this.onChild(kind, object, at);
      });
      this.informers.push(informer);
    }
    await Promise.all(this.informers.map((i) => i.start()));
  }

  stop(): void {
    for (const i of this.informers) i.stop();
  }

  private onRequest(rr: Observed, at: number): void {
    const name = rr.metadata?.name ?? '';
    const t = this.timing(name);
    const phase = rr.status?.phase;
    if (!phase) return;
    if (t.firstPhaseAt === undefined) {
      t.firstPhaseAt = at;
      this.pickedUp++;
    }
    if (t.terminalAt === undefined && (TERMINAL_PHASES as readonly string[]).includes(phase)) {
      t.terminalAt = at;
      t.terminalPhase = phase;
      this.finished++;
      if (phase === 'Completed') this.succeeded++;
      this.finishTimes.push(at);
    }
  }

  private onChild(kind: KindName, child: Observed, at: number): void {
    const owner = child.metadata?.labels?.[LABEL_REMEDIATION_REQUEST];
    const name = child.metadata?.name;
    if (!owner || !name) return;
    const t = this.timing(owner);
    let c = t.children.get(name);
    if (!c) t.children.set(name, (c = { kind, addedAt: at }));
    if (c.doneAt === undefined && DONE_PHASE[kind] !== undefined && child.status?.phase === DONE_PHASE[kind]) c.doneAt = at;
  }
}

/**
 * Hand-off samples, ms: for every child but a request's first, from the benchmark seeing the latest
 * done phase of a sibling observed before it (the simulator's Completed/Ready/Planned write) to
 * seeing the child's ADDED event.
 */
export function handoffs(t: RequestTiming): number[] {
  const children = [...t.children.values()].sort((a, b) => a.addedAt - b.addedAt);
  const dones = children.map((c) => c.doneAt).filter((d): d is number => d !== undefined).sort((a, b) => a - b);
  const out: number[] = [];
  for (const c of children) {
    let previous: number | undefined;
    for (const d of dones) {
      if (d <= c.addedAt) previous = d;
      else break;
    }
    if (previous !== undefined) out.push(c.addedAt - previous);
  }
  return out;
}
