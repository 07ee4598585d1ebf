// A model of one orchestrator replica deduplicating requests, for property tests of the storm
// protection's index and rules: the real RequestIndex and route(), driven by actors that take the
// routing transitions of the machine (src/actors/machine.ts: Pending, Blocked, to work, Skipped) and
// report their decisions as RemediationActor.reportDecision does. Writes land one at a time, in an
// order the test chooses, each then seen by the informer (the index first, then the actor); the
// replica may crash, losing its in-flight writes and decisions, and restart from what the API server
// holds. Nothing here sleeps or awaits: a run is a sequence of choices.
import { FINALIZER, type RemediationRequest } from '../../src/api/index.js';
import { isTerminal, type Phase } from '../../src/actors/phases.js';
import { route, type Decision, type RoutingSettings, type Verdict } from '../../src/actors/routing.js';
import { RequestIndex } from '../../src/cluster/request-index.js';
import { STORM_OFF } from './storm-settings.js';

export const T0 = Date.parse('2026-12-01T10:00:00Z');

export const DEDUPLICATE_ONLY: RoutingSettings = { ...STORM_OFF, deduplicate: true };

export interface ModelRequest {
  name: string;
  namespace: string;
  fingerprint: string;
  /** Whole seconds after T0 (creationTimestamp has second precision). */
  second: number;
}

export const keyOf = (r: { namespace: string; fingerprint: string }): string =>
  `${r.namespace}/${r.fingerprint}`;
const uidOf = (r: ModelRequest): string => `uid-${r.namespace}-${r.name}`;
/** The order of API.md: creation time, then name. */
export const earliestFirst = (a: ModelRequest, b: ModelRequest): number =>
  a.second - b.second || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** What the actor has decided (its ledger, as far as routing goes). */
interface Ledger {
  phase?: Phase;
  blockedReason?: string;
  duplicateOf?: { name: string; uid: string };
  success?: boolean;
  completedAt?: number;
  phaseStartTime?: number;
  reason?: string;
}

type Write = { status: Ledger } | { finalizer: true };

interface Actor {
  request: ModelRequest;
  ledger: Ledger;
  verdict?: Verdict;
  lastDecision?: string;
}

/** The model's "working" phase: the request left Pending or Blocked and may create children. */
const WORKING: Phase = 'Initializing';

export interface ModelOptions {
  settings?: RoutingSettings;
  /** Whether each fingerprint's remediation succeeds. */
  succeeds: (fingerprint: string) => boolean;
  /** All requests exist before the replica starts (it lists them), instead of arriving while it runs. */
  listedAtStart?: boolean;
  /** Work may end only once every request has arrived. */
  endAfterArrivals?: boolean;
  /** How many times the replica may crash. */
  crashes?: number;
  /** Told each step, for reading a counterexample. */
  trace?: (line: string) => void;
}

export class DedupModel {
  /** The API server's objects (the informer shows each as soon as its write lands). */
  readonly server = new Map<string, RemediationRequest>();
  index!: RequestIndex;
  private readonly actors = new Map<string, Actor>();
  private readonly writes = new Map<string, Write[]>();
  private readonly notified = new Set<string>();
  private readonly toArrive: ModelRequest[];
  private readonly byUid = new Map<string, ModelRequest>();
  private crashesLeft: number;
  private running = false;
  private choices: readonly number[] = [];
  private cursor = 0;
  now = T0;
  /** Requests that entered work (and so may have created children), in order. */
  readonly ran: string[] = [];
  /** For each request that ran: the requests of its key that had arrived when it was first admitted. */
  readonly arrivedWhenAdmitted = new Map<string, string[]>();
  private readonly admitted = new Set<string>();
  /** Broken invariants seen along the way. */
  readonly violations: string[] = [];

  constructor(
    arrivals: readonly ModelRequest[],
    private readonly options: ModelOptions,
  ) {
    this.toArrive = [...arrivals];
    for (const r of arrivals) this.byUid.set(uidOf(r), r);
    this.crashesLeft = options.crashes ?? 0;
    this.boot();
    if (options.listedAtStart) {
      for (const r of this.toArrive) this.server.set(uidOf(r), this.object(r));
      this.toArrive.length = 0;
    }
  }

  private get settings(): RoutingSettings {
    return this.options.settings ?? DEDUPLICATE_ONLY;
  }

  /** Runs the replica over `choices` (then the first enabled step each time) until nothing is left. */
  run(choices: readonly number[], maxSteps = 20_000): void {
    this.choices = choices;
    if (this.options.listedAtStart) this.start();
    for (let step = 0; step < maxSteps; step++) {
      const steps = this.enabled();
      if (!steps.length) return;
      steps[this.choose() % steps.length]!();
      this.now += 1;
    }
    this.violations.push(`no quiescence after ${maxSteps} steps`);
  }

  /** Scripted steps, for a chosen interleaving: the next arrival, a write of one request, a crash. */
  arriveNext(): void {
    this.arrive(this.toArrive.shift()!);
  }
  landWrite(name: string): void {
    const uid = this.uidNamed(name);
    if (!this.writes.get(uid)?.length) throw new Error(`${name} has no write in flight`);
    this.land(uid);
  }
  deliverTo(name: string): void {
    this.deliver(this.uidNamed(name));
  }
  finishWork(name: string): void {
    this.finish(this.uidNamed(name));
  }
  private uidNamed(name: string): string {
    return [...this.byUid].find(([, r]) => r.name === name)![0];
  }
  crashNow(): void {
    this.crashesLeft++;
    this.crash();
  }

  private enabled(): (() => void)[] {
    const steps: (() => void)[] = [];
    if (this.toArrive.length) steps.push(() => this.arrive(this.toArrive.shift()!));
    for (const [uid, queue] of this.writes) if (queue.length) steps.push(() => this.land(uid));
    for (const uid of this.notified) steps.push(() => this.deliver(uid));
    const endable = !this.options.endAfterArrivals || this.toArrive.length === 0;
    for (const [uid, a] of this.actors)
      if (endable && a.ledger.phase === WORKING && !this.writes.get(uid)?.length)
        steps.push(() => this.finish(uid));
    if (this.crashesLeft > 0 && this.running) steps.push(() => this.crash());
    return steps;
  }

  private choose(): number {
    return this.choices[this.cursor++] ?? 0;
  }

  /** `items` in an order drawn from the choices (a Fisher-Yates shuffle). */
  private shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.choose() % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  // --- the API server and the informer ---

  private object(r: ModelRequest): RemediationRequest {
    return {
      apiVersion: 'remediation.kubernaut.ai/v1alpha1',
      kind: 'RemediationRequest',
      metadata: {
        name: r.name,
        namespace: r.namespace,
        uid: uidOf(r),
        resourceVersion: '1',
        creationTimestamp: new Date(T0 + r.second * 1000).toISOString() as unknown as Date,
      },
      spec: {
        targetingData: {
          signalFingerprint: r.fingerprint,
          alertName: 'HighMemory',
          environment: 'production',
          severity: 'warning',
          resource: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: r.fingerprint,
            namespace: r.namespace,
          },
        },
      },
    };
  }

  private arrive(r: ModelRequest): void {
    this.options.trace?.(`arrive ${r.namespace}/${r.name}`);
    const rr = this.object(r);
    this.server.set(uidOf(r), rr);
    this.index.onRequest('added', rr);
    this.spawn(uidOf(r));
  }

  private land(uid: string): void {
    const write = this.writes.get(uid)!.shift()!;
    this.options.trace?.(`land ${uid} ${JSON.stringify(write)}`);
    const old = this.server.get(uid)!;
    const rv = String(Number(old.metadata!.resourceVersion) + 1);
    const next: RemediationRequest = { ...old, metadata: { ...old.metadata, resourceVersion: rv } };
    if ('finalizer' in write) next.metadata!.finalizers = [FINALIZER];
    else next.status = statusOf(write.status);
    this.server.set(uid, next);
    this.index.onRequest('modified', next);
    this.notify(uid);
    this.checkOneWorking();
  }

  // --- the replica ---

  private boot(): void {
    this.index = new RequestIndex({ wake: (uids) => uids.forEach((u) => this.notify(u)) });
    for (const rr of this.shuffled([...this.server.values()])) this.index.onRequest('added', rr);
    this.running = true;
  }

  /** A replica starting over the requests already there: the index has them all, then actors spawn. */
  private start(): void {
    this.boot();
    for (const uid of this.shuffled([...this.server.keys()])) this.spawn(uid);
  }

  private crash(): void {
    this.options.trace?.('crash');
    this.crashesLeft--;
    this.actors.clear();
    this.writes.clear();
    this.notified.clear();
    this.start();
  }

  private notify(uid: string): void {
    if (this.actors.has(uid)) this.notified.add(uid);
  }

  private spawn(uid: string): void {
    const rr = this.server.get(uid)!;
    const s = rr.status ?? {};
    const ledger: Ledger = {
      phase: s.phase,
      blockedReason: s.blockedReason,
      duplicateOf: s.duplicateOf?.uid ? { name: s.duplicateOf.name, uid: s.duplicateOf.uid } : undefined,
      success: s.success,
      completedAt: s.completionTime ? Date.parse(s.completionTime) : undefined,
      phaseStartTime: s.phaseStartTime ? Date.parse(s.phaseStartTime) : undefined,
      reason: s.reason,
    };
    if (isTerminal(ledger.phase)) return;
    this.actors.set(uid, { request: this.byUid.get(uid)!, ledger });
    this.writes.set(uid, []);
    this.evaluate(uid);
    this.notify(uid);
  }

  private deliver(uid: string): void {
    this.options.trace?.(`deliver ${uid}`);
    this.notified.delete(uid);
    this.evaluate(uid);
  }

  /** The machine's routing rows for one observation (src/actors/machine.ts, Pending and Blocked). */
  private evaluate(uid: string): void {
    const a = this.actors.get(uid);
    if (!a) return;
    const rr = this.server.get(uid)!;
    const self = this.index.byUid(uid);
    if (!self) return;
    const v = route(self, this.index, this.settings, this.now);
    a.verdict = v;
    const before = JSON.stringify(a.ledger);
    const l = a.ledger;
    if (l.phase === undefined) Object.assign(l, { phase: 'Pending', phaseStartTime: this.now });
    if (l.phase === 'Pending') {
      if (v && 'skip' in v) this.enter(a, 'Skipped', v);
      else if (v && 'block' in v) this.enter(a, 'Blocked', v);
      else if (rr.status?.phase === 'Pending' && rr.metadata?.finalizers?.includes(FINALIZER))
        this.enter(a, WORKING, v);
    } else if (l.phase === 'Blocked') {
      if (v && 'skip' in v) this.enter(a, 'Skipped', v);
      else if (v && 'block' in v) {
        if (v.block !== l.blockedReason || v.duplicateOf?.uid !== l.duplicateOf?.uid)
          Object.assign(l, { blockedReason: v.block, reason: v.block, duplicateOf: v.duplicateOf });
      } else this.enter(a, WORKING, v);
    }
    if (JSON.stringify(a.ledger) !== before) this.writes.get(uid)!.push({ status: { ...a.ledger } });
    const holdsNothing = isTerminal(l.phase) || l.phase === 'Blocked';
    const queued = this.writes.get(uid)!.some((w) => 'finalizer' in w);
    if (!holdsNothing && !rr.metadata?.finalizers?.includes(FINALIZER) && !queued)
      this.writes.get(uid)!.push({ finalizer: true });
    this.report(uid, a);
    this.checkOneWorking();
  }

  private enter(a: Actor, phase: Phase, v: Verdict | undefined): void {
    this.options.trace?.(`  ${a.request.namespace}/${a.request.name} -> ${phase} ${JSON.stringify(v)}`);
    const uid = uidOf(a.request);
    const l = a.ledger;
    l.phase = phase;
    l.phaseStartTime = this.now;
    if (phase === 'Blocked' && v && 'block' in v) {
      Object.assign(l, { blockedReason: v.block, reason: v.block, duplicateOf: v.duplicateOf });
    } else if (phase === 'Skipped' && v && 'skip' in v) {
      Object.assign(l, { reason: v.skip, duplicateOf: v.duplicateOf, success: v.success });
      l.completedAt = this.now;
    } else if (phase === WORKING) {
      Object.assign(l, { blockedReason: undefined, duplicateOf: undefined, reason: undefined });
      if (!this.ran.includes(uid)) this.ran.push(uid);
    }
  }

  /** RemediationActor.reportDecision: what the index must know before the informer does. */
  private report(uid: string, a: Actor): void {
    const l = a.ledger;
    const v = a.verdict;
    const decision: Decision = {
      phase: l.phase,
      claimed: l.phase === 'Pending' ? v !== undefined && 'proceed' in v : l.phase !== undefined,
      success: l.success,
      completedAt: l.completedAt,
      blockedReason: l.phase === 'Blocked' ? (l.blockedReason as Decision['blockedReason']) : undefined,
      blockedAt: l.phase === 'Blocked' ? l.phaseStartTime : undefined,
      blockedUntil: undefined,
      duplicateOf: l.duplicateOf,
    };
    if (decision.claimed && !this.admitted.has(uid)) {
      this.admitted.add(uid);
      const key = keyOf(a.request);
      const arrived = [...this.server.values()].filter(
        (o) =>
          `${o.metadata!.namespace}/${o.spec.targetingData.signalFingerprint}` === key &&
          !isTerminal(o.status?.phase),
      );
      this.arrivedWhenAdmitted.set(
        uid,
        arrived.map((o) => o.metadata!.uid!),
      );
    }
    const key = JSON.stringify(decision);
    if (key === a.lastDecision) return;
    a.lastDecision = key;
    this.index.decided(uid, decision);
  }

  /** A remediation that works ends with its fingerprint's outcome. */
  private finish(uid: string): void {
    this.options.trace?.(`finish ${uid}`);
    const a = this.actors.get(uid)!;
    const success = this.options.succeeds(a.request.fingerprint);
    Object.assign(a.ledger, {
      phase: success ? 'Completed' : 'Failed',
      success,
      completedAt: this.now,
      phaseStartTime: this.now,
    });
    this.writes.get(uid)!.push({ status: { ...a.ledger } });
    this.report(uid, a);
  }

  /** Never two requests of a key working at once: by what the actors decided, and by what the cluster shows. */
  private checkOneWorking(): void {
    const decided = new Map<string, string[]>();
    const shown = new Map<string, string[]>();
    const add = (map: Map<string, string[]>, uid: string) => {
      const key = keyOf(this.requestOf(uid));
      map.set(key, [...(map.get(key) ?? []), uid]);
    };
    for (const [uid, a] of this.actors) if (a.ledger.phase === WORKING) add(decided, uid);
    for (const [uid, rr] of this.server) if (rr.status?.phase === WORKING) add(shown, uid);
    for (const [what, map] of [
      ['decided', decided],
      ['shown', shown],
    ] as const)
      for (const [key, uids] of map)
        if (uids.length > 1) this.violations.push(`${key}: ${uids.join(', ')} work at once (${what})`);
  }

  requestOf(uid: string): ModelRequest {
    return this.byUid.get(uid)!;
  }
}

function statusOf(l: Ledger): Record<string, unknown> {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return JSON.parse(
    JSON.stringify({
      phase: l.phase,
      reason: l.reason,
      blockedReason: l.blockedReason,
      duplicateOf: l.duplicateOf,
      success: l.success,
      completionTime: iso(l.completedAt),
      phaseStartTime: iso(l.phaseStartTime),
    }),
  ) as Record<string, unknown>;
}
