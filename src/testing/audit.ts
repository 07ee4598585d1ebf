// The local control plane's audit log: a policy that records every write to the orchestrator's
// resources, Events and Leases (who, what, when, with which answer), and a reader of the log that
// the fencing tests use to count each replica's writes.
import { readFile } from 'node:fs/promises';
import { crdManifests } from './crds.js';

export const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;

/** One write request as kube-apiserver answered it (audit stage ResponseComplete). */
export interface AuditWrite {
  auditID: string;
  user: string;
  verb: string;
  /** The API group; '' for the core group. */
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  /** Empty for a create refused before its body was read (401, 403), or whose body had no name. */
  name: string;
  /** HTTP status code of the answer. */
  code: number;
  stage: 'ResponseComplete';
  /** RFC 3339 with microseconds, as kube-apiserver wrote it. */
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  /** The same two instants in epoch milliseconds. */
  receivedAt: number;
  completedAt: number;
  userAgent?: string;
}

/**
 * The audit policy (JSON, which kube-apiserver reads as YAML): write verbs at Metadata level for the
 * API groups of config/crd, Events and Leases; nothing else. Only the final stage is kept.
 */
export async function auditPolicy(): Promise<string> {
  const groups = [...new Set((await crdManifests()).map((crd) => crd.spec.group))].sort();
  return JSON.stringify(
    {
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived', 'ResponseStarted'],
      rules: [
        {
          level: 'Metadata',
          verbs: [...WRITE_VERBS],
          resources: [
            // An empty resource list means every resource of the group, subresources included.
            ...groups.map((group) => ({ group })),
            { group: 'coordination.k8s.io', resources: ['leases'] },
            { group: '', resources: ['events'] },
            { group: 'events.k8s.io', resources: ['events'] },
          ],
        },
        { level: 'None' },
      ],
    },
    null,
    2,
  );
}

interface AuditEvent {
  auditID?: string;
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: {
    apiGroup?: string;
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
  };
  responseStatus?: { code?: number };
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
  userAgent?: string;
}

/** The write records of an audit log's text (JSON lines); other stages, verbs and broken lines are skipped. */
export function parseAuditLog(text: string): AuditWrite[] {
  const writes: AuditWrite[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let event: AuditEvent;
    try {
      event = JSON.parse(line) as AuditEvent;
    } catch {
      continue; // the last line may be half written while the server runs
    }
    if (event.stage !== 'ResponseComplete') continue;
    if (!(WRITE_VERBS as readonly string[]).includes(event.verb ?? '')) continue;
    const ref = event.objectRef ?? {};
    const received = event.requestReceivedTimestamp ?? '';
    const completed = event.stageTimestamp ?? '';
    const write: AuditWrite = {
      auditID: event.auditID ?? '',
      user: event.user?.username ?? '',
      verb: event.verb ?? '',
      group: ref.apiGroup ?? '',
      resource: ref.resource ?? '',
      name: ref.name ?? '',
      code: event.responseStatus?.code ?? 0,
      stage: 'ResponseComplete',
      requestReceivedTimestamp: received,
      stageTimestamp: completed,
      receivedAt: Date.parse(received),
      completedAt: Date.parse(completed),
    };
    if (ref.subresource) write.subresource = ref.subresource;
    if (ref.namespace) write.namespace = ref.namespace;
    if (event.userAgent) write.userAgent = event.userAgent;
    writes.push(write);
  }
  return writes;
}

/** The writes recorded in the audit log at `path`, in the order the server finished them. */
export async function readAuditWrites(path: string): Promise<AuditWrite[]> {
  return parseAuditLog(await readFile(path, 'utf8'));
}

/** The writes grouped by user name, each user's in order of arrival at the server. */
export function writesByUser(writes: readonly AuditWrite[]): Map<string, AuditWrite[]> {
  const byUser = new Map<string, AuditWrite[]>();
  for (const w of writes) {
    const list = byUser.get(w.user) ?? [];
    list.push(w);
    byUser.set(w.user, list);
  }
  for (const list of byUser.values()) list.sort((a, b) => a.receivedAt - b.receivedAt);
  return byUser;
}
