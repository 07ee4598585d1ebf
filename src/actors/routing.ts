// Storm protection (shared/API.md, "Storm protection"): the rules that hold a request back before
// it leaves Pending and again before it enters Executing, as one pure function of the request, the
// answers of an index over every request the caches hold (retained ones are the history), the
// settings and `now`. The index (src/cluster/request-index.ts) answers each question in O(log n);
// this module decides, so that the same cluster gives the same verdict on any replica at any time.
import { FINALIZER, type BlockedReason, type RemediationRequest } from '../api/index.js';
import { isTerminal, type Phase } from './phases.js';

/** The rules' thresholds; 0 (or false) turns a rule off. */
export interface RoutingSettings {
  /** DuplicateInProgress: a request waits on an earlier one of its namespace and fingerprint. */
  deduplicate: boolean;
  /** ResourceBusy: one request per target in Executing at a time. */
  serializeTargets: boolean;
  /** ConsecutiveFailures: this many failed remediations in a row hold the fingerprint back (3). */
  consecutiveFailures: number;
  /** ConsecutiveFailures: ... for this long after the last of them (1h). */
  failureCooldownMs: number;
  /** RecentlyRemediated: a fingerprint completed less than this ago is skipped (5m). */
  recentlyRemediatedMs: number;
  /** ExecutionLimit: at most this many requests in Executing cluster-wide (100). */
  maxExecuting: number;
  /** StormProtection: more arrivals than this in the last minute is a storm (200). */
  stormThreshold: number;
  /** BlockedTooLong: a request Blocked this long ends Skipped (24h). */
  maxBlockedMs: number;
}

export const STORM_WINDOW_MS = 60_000;
/** How many fingerprints a storm notification names. */
export const STORM_TOP = 5;

/** What the index knows of one request: its identity, its keys and its routing state. */
export interface RequestEntry {
  uid: string;
  name: string;
  namespace: string;
  /** metadata.creationTimestamp, in ms: the arrival. */
  createdAt: number;
  fingerprint: string;
  /** The target of ResourceBusy: the resource, else the namespace and alert name. */
  target: string;
  /** 0 for critical, then warning, info, anything else: ExecutionLimit's first order. */
  severityRank: number;
  critical: boolean;
  phase?: Phase;
  /** Admitted: it has left Pending, or holds the finalizer a Pending request gets when it may proceed. */
  claimed: boolean;
  success?: boolean;
  completedAt?: number;
  blockedReason?: BlockedReason;
  /** When it entered Blocked (status.phaseStartTime while Blocked). */
  blockedAt?: number;
  blockedUntil?: number;
  duplicateOf?: { name: string; uid: string };
  /**
   * Its actor decided it ended, with this outcome (and, skipped, the request whose outcome it took);
   * the cluster does not show it yet (RequestIndex.decided).
   */
  ending?: { success?: boolean; duplicateOf?: { name: string; uid: string } };
}

/** The questions the rules ask of the cluster; each an O(1) or O(log n) answer of the index. */
export interface RoutingIndex {
  byUid(uid: string): RequestEntry | undefined;
  /**
   * The request its namespace+fingerprint's others wait on: of the non-terminal requests not
   * themselves waiting as duplicates, one that has left Pending, else the earliest (creation, name).
   */
  representative(namespace: string, fingerprint: string): RequestEntry | undefined;
  /** The last `n` executed (Completed, Failed, TimedOut) requests of the fingerprint, newest first. */
  lastExecuted(fingerprint: string, n: number): RequestEntry[];
  /** The latest Completed request of the fingerprint. */
  lastCompleted(fingerprint: string): RequestEntry | undefined;
  executingCount(): number;
  /** A request other than `uid` Executing on `target`. */
  executingOn(target: string, uid: string): RequestEntry | undefined;
  /** Requests Blocked with `reason` (on `target` for ResourceBusy) that rank before `entry`. */
  waitersBefore(reason: 'ExecutionLimit' | 'ResourceBusy', entry: RequestEntry): number;
  /**
   * The first request Blocked by ConsecutiveFailures of this fingerprint until `until`, by the time
   * it was blocked (then arrival): the first stays first while the block lasts, so one escalates.
   */
  firstBlockedFor(fingerprint: string, until: number): RequestEntry | undefined;
  /** The first non-terminal request Blocked by StormProtection, by the time it was blocked (then arrival). */
  firstStormBlocked(): RequestEntry | undefined;
  /** Requests created in (from, to]. */
  arrivals(from: number, to: number): number;
  /** When the arrivals of the last minute fall below `below` if no more arrive. */
  arrivalsFallBelow(below: number, now: number): number;
  /** The fingerprints with the most arrivals in (from, to], most first. */
  topFingerprints(from: number, to: number, n: number): { fingerprint: string; count: number }[];
  /** How many requests were folded into `uid` (their duplicateOf names it). */
  duplicatesOf(uid: string): number;
}

export interface StormSummary {
  /** Arrivals in the last minute. */
  count: number;
  top: { fingerprint: string; count: number }[];
}

export type Verdict =
  | { proceed: true }
  | {
      block: BlockedReason;
      /** blockedUntil: when a cooldown ends. */
      until?: number;
      /** When the rule is next worth asking again (a storm's estimated end); not written. */
      recheckAt?: number;
      duplicateOf?: { name: string; uid: string };
      /** ConsecutiveFailures: this request sends the block's one escalation. */
      escalate?: boolean;
      /** StormProtection: this request sends the storm's one notification. */
      announce?: StormSummary;
    }
  | {
      skip: 'Deduplicated' | 'RecentlyRemediated';
      duplicateOf?: { name: string; uid: string };
      success?: boolean;
    };

/** What an actor's view carries of routing: the verdict for its gate, and its duplicates. */
export interface Routing {
  verdict?: Verdict;
  duplicates?: number;
}

/** The rules checked before a request leaves Pending, and those checked before it enters Executing. */
const START_RULES: ReadonlySet<string> = new Set([
  'DuplicateInProgress',
  'ConsecutiveFailures',
  'StormProtection',
]);

const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/** "apiVersion/kind/namespace/name" of the resource, else "namespace/alert/alertName". */
export function targetOf(rr: RemediationRequest): string {
  const t = rr.spec.targetingData;
  const r = t.resource;
  if (r?.kind && r.name)
    return `${r.apiVersion ?? ''}/${r.kind}/${r.namespace ?? t.namespace ?? rr.metadata?.namespace ?? ''}/${r.name}`;
  return `${rr.metadata?.namespace ?? ''}/alert/${t.alertName}`;
}

const ms = (time: string | Date | undefined): number | undefined => {
  if (time === undefined) return undefined;
  const n = typeof time === 'string' ? Date.parse(time) : time.getTime();
  return Number.isNaN(n) ? undefined : n;
};

/** The index's entry of a request, from the object as cached. */
export function entryOf(rr: RemediationRequest): RequestEntry {
  const t = rr.spec.targetingData;
  const s = rr.status ?? {};
  const severity = t.severity ?? '';
  return {
    uid: rr.metadata?.uid ?? '',
    name: rr.metadata?.name ?? '',
    namespace: rr.metadata?.namespace ?? '',
    createdAt: ms(rr.metadata?.creationTimestamp) ?? 0,
    fingerprint: t.signalFingerprint,
    target: targetOf(rr),
    severityRank: SEVERITY_RANK[severity] ?? 3,
    critical: severity === 'critical',
    phase: s.phase,
    claimed: claimedIn(s.phase, rr.metadata?.finalizers?.includes(FINALIZER) ?? false),
    success: s.success,
    completedAt: ms(s.completionTime),
    blockedReason: s.blockedReason,
    blockedAt: s.phase === 'Blocked' ? ms(s.phaseStartTime) : undefined,
    blockedUntil: ms(s.blockedUntil),
    duplicateOf: s.duplicateOf?.uid ? { name: s.duplicateOf.name, uid: s.duplicateOf.uid } : undefined,
  };
}

/** The fields an actor decides (its ledger), which lead the cached object by one write. */
export type Decision = Pick<
  RequestEntry,
  | 'phase'
  | 'claimed'
  | 'success'
  | 'completedAt'
  | 'blockedReason'
  | 'blockedAt'
  | 'blockedUntil'
  | 'duplicateOf'
>;

/** Whether a request in `phase` has been admitted (see RequestEntry.claimed). */
export function claimedIn(phase: Phase | undefined, admitted: boolean): boolean {
  return phase === undefined || phase === 'Pending' ? admitted : true;
}

/** The arrival order of API.md: creation time, then name (then UID, for a name reused). */
export function arrivalOrder(a: RequestEntry, b: RequestEntry): number {
  return a.createdAt - b.createdAt || cmp(a.name, b.name) || cmp(a.uid, b.uid);
}

/** The order of the requests a rule holds: by when they were blocked, then arrival. */
export function blockedOrder(a: RequestEntry, b: RequestEntry): number {
  return (a.blockedAt ?? Infinity) - (b.blockedAt ?? Infinity) || arrivalOrder(a, b);
}
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Which gate a request stands at: before leaving Pending, before Executing, or none. */
export function gateOf(e: RequestEntry): 'start' | 'execute' | undefined {
  if (e.phase === undefined || e.phase === 'Pending') return 'start';
  if (e.phase === 'WorkflowPlanning') return 'execute';
  if (e.phase === 'Blocked')
    return e.blockedReason && !START_RULES.has(e.blockedReason) ? 'execute' : 'start';
  return undefined;
}

const ref = (e: RequestEntry) => ({ name: e.name, uid: e.uid });

/** Whether `e` was folded into another request: it waits on it, or ended with its outcome. */
export function foldedInto(e: RequestEntry): { name: string; uid: string } | undefined {
  if (e.ending) return e.ending.duplicateOf;
  const waits = e.phase === 'Blocked' && e.blockedReason === 'DuplicateInProgress';
  return waits || e.phase === 'Skipped' ? e.duplicateOf : undefined;
}

/** How many requests a chain of duplicates may run through before it is taken to be broken. */
const CHAIN_LIMIT = 16;

/**
 * The request whose outcome a duplicate waiting on `uid` takes: `uid` itself, or, if that one was
 * folded into another in turn, the end of the chain. A chain forms when a duplicate was held behind
 * a request whose admission had not reached the cluster when the replica restarted (or whose
 * decision another replica never saw): that request is then held behind an earlier one. Following
 * it, the duplicate names the request that works, and is counted in its `duplicates`.
 */
function originalOf(uid: string, index: RoutingIndex): RequestEntry | undefined {
  let at = index.byUid(uid);
  for (let hops = 0; at && hops < CHAIN_LIMIT; hops++) {
    const next = foldedInto(at);
    const further = next && index.byUid(next.uid);
    if (!further || further.uid === uid) return at;
    at = further;
  }
  return at;
}

/** The verdict of the rules for `self` (the index's entry of the request) at `now`. */
export function route(
  self: RequestEntry,
  index: RoutingIndex,
  settings: RoutingSettings,
  now: number,
): Verdict | undefined {
  const gate = gateOf(self);
  if (gate === 'start') return atStart(self, index, settings, now);
  if (gate === 'execute') return beforeExecuting(self, index, settings);
  return undefined;
}

function atStart(self: RequestEntry, index: RoutingIndex, s: RoutingSettings, now: number): Verdict {
  const waiting = self.phase === 'Blocked' && self.blockedReason === 'DuplicateInProgress';
  if (waiting && self.duplicateOf) {
    const original = originalOf(self.duplicateOf.uid, index);
    // An original that has decided its outcome gives it at once (its status write may still be on
    // its way): a duplicate waits for no write, nor outlives the original's own BlockedTooLong.
    if (original?.ending)
      return { skip: 'Deduplicated', duplicateOf: ref(original), success: original.ending.success };
    if (original && !isTerminal(original.phase))
      return { block: 'DuplicateInProgress', duplicateOf: ref(original) };
    if (original) return { skip: 'Deduplicated', duplicateOf: ref(original), success: original.success };
    // The original was deleted before it ended: this request is decided anew.
  }
  const fresh = waiting || self.phase === undefined || self.phase === 'Pending';
  if (s.deduplicate && fresh) {
    const rep = index.representative(self.namespace, self.fingerprint);
    if (rep && rep.uid !== self.uid) return { block: 'DuplicateInProgress', duplicateOf: ref(rep) };
  }
  if (s.recentlyRemediatedMs > 0) {
    const last = index.lastCompleted(self.fingerprint);
    if (
      last?.completedAt !== undefined &&
      last.uid !== self.uid &&
      now - last.completedAt < s.recentlyRemediatedMs
    )
      return { skip: 'RecentlyRemediated', duplicateOf: ref(last), success: true };
  }
  if (s.consecutiveFailures > 0 && s.failureCooldownMs > 0) {
    const last = index.lastExecuted(self.fingerprint, s.consecutiveFailures);
    const newest = last[0]?.completedAt;
    const failed = (e: RequestEntry): boolean => e.phase === 'Failed' || e.phase === 'TimedOut';
    if (last.length === s.consecutiveFailures && last.every(failed) && newest !== undefined) {
      const until = newest + s.failureCooldownMs;
      if (now < until) {
        const first = index.firstBlockedFor(self.fingerprint, until);
        const escalate = first === undefined || first.uid === self.uid;
        return { block: 'ConsecutiveFailures', until, escalate };
      }
    }
  }
  if (s.stormThreshold > 0 && !self.critical) {
    const count = index.arrivals(now - STORM_WINDOW_MS, now);
    const held = index.firstStormBlocked();
    const half = Math.ceil(s.stormThreshold / 2);
    if (count > s.stormThreshold || (held && count >= half)) {
      const verdict: Verdict = {
        block: 'StormProtection',
        recheckAt: Math.max(now + 1, index.arrivalsFallBelow(half, now)),
      };
      if (held === undefined || held.uid === self.uid)
        verdict.announce = {
          count,
          top: index.topFingerprints(now - STORM_WINDOW_MS, now, STORM_TOP),
        };
      return verdict;
    }
  }
  return { proceed: true };
}

function beforeExecuting(self: RequestEntry, index: RoutingIndex, s: RoutingSettings): Verdict {
  if (s.serializeTargets) {
    if (index.executingOn(self.target, self.uid) || index.waitersBefore('ResourceBusy', self) > 0)
      return { block: 'ResourceBusy' };
  }
  if (s.maxExecuting > 0) {
    const free = s.maxExecuting - index.executingCount();
    if (index.waitersBefore('ExecutionLimit', self) >= free) return { block: 'ExecutionLimit' };
  }
  return { proceed: true };
}

/** True when the two verdicts would leave the same request in the same state. */
export function sameVerdict(a: Verdict | undefined, b: Verdict | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
