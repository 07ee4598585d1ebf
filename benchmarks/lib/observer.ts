// Watches a namespace from outside the orchestrator and stamps every event with the time it was
// received, on one monotonic clock (performance.now()). Only times are kept per request, so memory
// stays small next to the informers' own caches.
import type { KubeConfig } from '@kubernetes/client-node';
import {
  API_VERSION,
  CHILD_KINDS,
  KINDS,
  LABEL_REMEDIATION_REQUEST,
  TERMINAL_PHASES,
  type KindName,
} from '../../src/api/index.js';
import { Informer, type KubeObject } from '../../src/k8s/informer.js';
import { childNames } from '../../src/actors/names.js';
import { systemClock } from '../../src/util/clock.js';

type Observed = KubeObject & { status?: { phase?: string; reason?: string } };

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
  /** The siblings whose done phases made the orchestrator create it ('steps': every step); none for the first child or an escalation. */
  follows?: string[] | 'steps';
}

/** The children whose done phases cause `child` (API.md's order; a step follows its dependsOn, or the workflow). */
export function causes(
  kind: KindName,
  rr: string,
  child: { spec?: Record<string, unknown> },
): ChildTiming['follows'] {
  switch (kind) {
    case 'AIAnalysis':
      return [childNames.processing(rr)];
    case 'WorkflowExecution':
      return [childNames.analysis(rr)];
    case 'KubernetesExecution': {
      const dependsOn = (child.spec?.step as { dependsOn?: string[] } | undefined)?.dependsOn ?? [];
      return dependsOn.length
        ? dependsOn.map((step) => childNames.execution(rr, step))
        : [childNames.workflow(rr)];
    }
    case 'NotificationRequest': {
      const type = child.spec?.type;
      return type === 'success' ? 'steps' : type === 'approval' ? [childNames.analysis(rr)] : undefined;
    }
    default:
      return undefined;
  }
}

export interface RequestTiming {
  createSentAt?: number;
  createdAt?: number;
  /** First observation of the request with a status phase. */
  firstPhaseAt?: number;
  terminalAt?: number;
  terminalPhase?: string;
  terminalReason?: string;
  /** Changes of the request seen (MODIFIED events): each is one write of the orchestrator's. */
  writes?: number;
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

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly namespace: string,
  ) {}

  timing(name: string): RequestTiming {
    let t = this.requests.get(name);
    if (!t) this.requests.set(name, (t = { children: new Map() }));
    return t;
  }

  async start(): Promise<void> {
    for (const kind of ['RemediationRequest', ...CHILD_KINDS] as KindName[]) {
      const informer = new Informer<Observed>({
        kubeConfig: this.kubeConfig,
        resource: {
          group: KINDS[kind].group,
          version: API_VERSION,
          plural: KINDS[kind].plural,
          namespace: this.namespace,
        },
        clock: systemClock,
        backoff: { initialMs: 100, maxMs: 2000, jitter: 0.5 },
        onError: () => void this.watchErrors++,
      });
      informer.on((type, object) => {
        const at = performance.now();
        if (type === 'deleted') return;
        if (kind === 'RemediationRequest') this.onRequest(object, at, type === 'modified');
        else this.onChild(kind, object, at);
      });
      this.informers.push(informer);
    }
    await Promise.all(this.informers.map((i) => i.start()));
  }

  stop(): void {
    for (const i of this.informers) i.stop();
  }

  private onRequest(rr: Observed, at: number, modified: boolean): void {
    const name = rr.metadata?.name ?? '';
    const t = this.timing(name);
    if (modified) t.writes = (t.writes ?? 0) + 1;
    const phase = rr.status?.phase;
    if (!phase) return;
    if (t.firstPhaseAt === undefined) {
      t.firstPhaseAt = at;
      this.pickedUp++;
    }
    if (t.terminalAt === undefined && (TERMINAL_PHASES as readonly string[]).includes(phase)) {
      t.terminalAt = at;
      t.terminalPhase = phase;
      t.terminalReason = rr.status?.reason;
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
    if (!c)
      t.children.set(
        name,
        (c = {
          kind,
          addedAt: at,
          follows: causes(kind, owner, child as { spec?: Record<string, unknown> }),
        }),
      );
    if (c.doneAt === undefined && DONE_PHASE[kind] !== undefined && child.status?.phase === DONE_PHASE[kind])
      c.doneAt = at;
  }
}

/**
 * Hand-off samples, ms: for every child that follows siblings (ChildTiming.follows), from the
 * benchmark seeing the last of their done phases (the simulator's Completed/Ready/Planned write) to
 * seeing the child's ADDED event. Each kind comes on its own watch, so the benchmark may see a
 * child's ADDED before its cause's done phase although the orchestrator saw them in order: such a
 * pair is counted in `reordered` and gives no sample (pairing it with an earlier sibling's done
 * instead once inflated a hand-off by a whole simulated phase, 36.8 s).
 */
export function handoffs(t: RequestTiming): { samples: number[]; reordered: number } {
  const samples: number[] = [];
  let reordered = 0;
  for (const c of t.children.values()) {
    if (c.follows === undefined) continue;
    const causing =
      c.follows === 'steps'
        ? [...t.children.values()].filter((s) => s.kind === 'KubernetesExecution')
        : c.follows.map((name) => t.children.get(name));
    const dones = causing.map((s) => s?.doneAt);
    if (!dones.length || dones.some((d) => d === undefined)) {
      reordered++;
      continue;
    }
    const last = Math.max(...(dones as number[]));
    if (last > c.addedAt) reordered++;
    else samples.push(c.addedAt - last);
  }
  return { samples, reordered };
}
