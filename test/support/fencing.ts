// Reads leadership and fencing out of the API server's audit log: which replica held the Lease when
// (its successful Lease writes), and which of its other writes arrived after its renew deadline.
import type { AuditWrite } from '../../src/testing/audit.js';

export interface LeaseRef {
  namespace: string;
  name: string;
}

/** A change of the replica whose Lease writes succeed. */
export interface LeaderChange {
  at: number;
  from: string | undefined;
  to: string;
}

/** A write that reached the API server when its replica could no longer count itself leader. */
export interface FencingViolation {
  write: AuditWrite;
  /** How long after the replica's renew deadline (last renewal answered + renewDeadline) it arrived; undefined when the replica had never held the Lease. */
  afterDeadlineMs: number | undefined;
  /** The replica that took the Lease over after the writer's last renewal, and how long before this write it did. */
  takenOverBy?: string;
  afterTakeoverMs?: number;
}

const ok = (w: AuditWrite): boolean => w.code >= 200 && w.code < 300;
const isLease = (w: AuditWrite, lease: LeaseRef): boolean =>
  w.group === 'coordination.k8s.io' &&
  w.resource === 'leases' &&
  w.namespace === lease.namespace &&
  w.name === lease.name;

/** The successful writes of the Lease by `users`, in the order they were answered. */
export function leaseWrites(
  writes: readonly AuditWrite[],
  lease: LeaseRef,
  users: readonly string[],
): AuditWrite[] {
  return writes
    .filter((w) => users.includes(w.user) && ok(w) && isLease(w, lease))
    .sort((a, b) => a.completedAt - b.completedAt);
}

/** Every change of the replica that holds the Lease, as its successful Lease writes show. */
export function leaderChanges(
  writes: readonly AuditWrite[],
  lease: LeaseRef,
  users: readonly string[],
): LeaderChange[] {
  const changes: LeaderChange[] = [];
  let holder: string | undefined;
  for (const w of leaseWrites(writes, lease, users)) {
    if (w.user === holder) continue;
    changes.push({ at: w.completedAt, from: holder, to: w.user });
    holder = w.user;
  }
  return changes;
}

/**
 * Around the SIGCONT of a replica frozen by SIGSTOP: writes that the replica had handed to its HTTP/2
 * session before the freeze (the leader gate checked, the frames queued, not yet on the socket) leave
 * the process when it resumes, before any of its own code runs again. No process can fence those; the
 * remediation invariants (deterministic child names, exactly the children and notifications due) show
 * they do no harm. Writes arriving after the window count as violations.
 */
export interface ResumeWindow {
  user: string;
  from: number;
  to: number;
}

/** How long after SIGCONT the writes queued before the freeze may arrive. */
export const FLUSH_ON_RESUME_MS = 1000;

/** The window of a replica continued between `resumingAt` (before SIGCONT) and `resumedAt` (after). */
export function resumeWindow(user: string, resumingAt: number, resumedAt: number): ResumeWindow {
  return { user, from: resumingAt, to: resumedAt + FLUSH_ON_RESUME_MS };
}

/** One line naming the writes that arrived in the windows, for the test's output. */
export function describeFlushed(
  writes: readonly AuditWrite[],
  lease: LeaseRef,
  windows: readonly ResumeWindow[],
): string {
  const flushed = writesInWindows(writes, lease, windows);
  return (
    `writes queued before the freeze and sent on SIGCONT (within ${FLUSH_ON_RESUME_MS} ms): ` +
    (flushed.map((w) => `${w.verb} ${w.resource} ${w.code}`).join(', ') || 'none')
  );
}

/** Writes of `user` that arrived in a window are left out of fencingViolations; this lists them. */
export function writesInWindows(
  writes: readonly AuditWrite[],
  lease: LeaseRef,
  windows: readonly ResumeWindow[],
): AuditWrite[] {
  return writes.filter(
    (w) =>
      !isLease(w, lease) &&
      windows.some((r) => r.user === w.user && w.receivedAt >= r.from && w.receivedAt <= r.to),
  );
}

/**
 * The writes of `users` (other than of the Lease itself) that arrived outside every window
 * [a successful Lease write by the same user arrives, that write is answered + renewDeadlineMs].
 * A replica that follows client-go counts its renew deadline from before it sent the renewal, so
 * every write it makes while it may still believe itself leader falls inside such a window; any
 * tolerance would hide a write that a fenced replica must never make, so there is none.
 */
export function fencingViolations(
  writes: readonly AuditWrite[],
  lease: LeaseRef,
  users: readonly string[],
  renewDeadlineMs: number,
  flushedOnResume: readonly ResumeWindow[] = [],
): FencingViolation[] {
  const renewals = leaseWrites(writes, lease, users);
  const violations: FencingViolation[] = [];
  for (const w of writes) {
    if (!users.includes(w.user) || isLease(w, lease)) continue;
    if (flushedOnResume.some((r) => r.user === w.user && w.receivedAt >= r.from && w.receivedAt <= r.to))
      continue;
    const own = renewals.filter((r) => r.user === w.user && r.receivedAt <= w.receivedAt);
    const last = own.at(-1);
    if (last && w.receivedAt <= last.completedAt + renewDeadlineMs) continue;
    const violation: FencingViolation = {
      write: w,
      afterDeadlineMs: last ? w.receivedAt - (last.completedAt + renewDeadlineMs) : undefined,
    };
    const takeover = renewals.find(
      (r) =>
        r.user !== w.user && (!last || r.completedAt > last.completedAt) && r.completedAt <= w.receivedAt,
    );
    if (takeover) {
      violation.takenOverBy = takeover.user;
      violation.afterTakeoverMs = w.receivedAt - takeover.completedAt;
    }
    violations.push(violation);
  }
  return violations;
}

/** One line per writer: how many late writes, of which verbs and resources, with which answers, how late. */
export function describeViolations(violations: readonly FencingViolation[]): string[] {
  const byUser = new Map<string, FencingViolation[]>();
  for (const v of violations) byUser.set(v.write.user, [...(byUser.get(v.write.user) ?? []), v]);
  return [...byUser].map(([user, list]) => {
    const count = (key: (v: FencingViolation) => string): string => {
      const m = new Map<string, number>();
      for (const v of list) m.set(key(v), (m.get(key(v)) ?? 0) + 1);
      return [...m].map(([k, n]) => `${k} x${n}`).join(', ');
    };
    const range = (values: (number | undefined)[]): string => {
      const known = values.filter((x): x is number => x !== undefined);
      return known.length ? `${Math.min(...known)}..${Math.max(...known)} ms` : 'n/a';
    };
    return (
      `${user}: ${list.length} write(s) [${count((v) => `${v.write.verb} ${v.write.resource}${v.write.subresource ? `/${v.write.subresource}` : ''}`)}]` +
      ` answered [${count((v) => String(v.write.code))}],` +
      ` ${range(list.map((v) => v.afterDeadlineMs))} after its renew deadline,` +
      ` ${range(list.map((v) => v.afterTakeoverMs))} after ${[...new Set(list.map((v) => v.takenOverBy ?? 'nobody'))].join('/')} took the Lease over`
    );
  });
}
