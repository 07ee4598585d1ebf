// `describe NAME`: reads a RemediationRequest and its children from the API server, then writes what a
// person on call asks first: where it is, how it got there, what its children are doing, what the plan
// looks like, why it waits, and whom it told.
import { requestLabelValue } from '../actors/names.js';
import { renderPlanAscii, type PhaseColour, type PictureStep } from '../actors/plan-picture.js';
import {
  API_VERSION,
  CHILD_KINDS,
  KINDS,
  LABEL_REMEDIATION_REQUEST,
  type ChildKindName,
  type KindName,
  type RemediationRequest,
  type RemediationRequestStatus,
} from '../api/index.js';
import { KubeApiError, type KubeHttp, type Query } from '../k8s/kube-http.js';
import { sleep, systemClock } from '../util/clock.js';
import { formatDuration } from '../util/duration.js';

/** The storm-protection fields of API.md's status, read when the API server has them. */
type DescribedStatus = RemediationRequestStatus & {
  blockedReason?: string;
  blockedUntil?: string;
  duplicateOf?: { name?: string; uid?: string };
  duplicates?: number;
};

export type DescribedRequest = Omit<RemediationRequest, 'status'> & { status?: DescribedStatus };

/** The fields of any child kind that describe reads; each kind has a subset of them. */
export interface ChildObject {
  metadata?: {
    name?: string;
    uid?: string;
    creationTimestamp?: string;
    ownerReferences?: Array<{ uid?: string }>;
  };
  spec?: {
    remediationRequestRef?: { uid?: string };
    step?: { name?: string };
    type?: string;
    priority?: string;
    title?: string;
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    plan?: { steps?: Array<{ name: string; dependsOn?: string[] }> };
  };
}

export interface Child {
  kind: ChildKindName;
  object: ChildObject;
}

export interface RemediationSnapshot {
  request: DescribedRequest;
  /** In the order of CHILD_KINDS, then by name. */
  children: Child[];
  /** Kinds that could not be listed, with the API server's answer (for example a 403). */
  unreadable: string[];
}

function collectionPath(kind: KindName, namespace: string): string {
  const { group, plural } = KINDS[kind];
  return `/apis/${group}/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

const ATTEMPTS = 5;

/** A GET, tried again on a 429 or 5xx: an API server answers 429 for a moment after a CRD is installed. */
async function get<T>(http: KubeHttp, path: string, query?: Query): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await http.request<T>('GET', path, query ? { query } : {});
    } catch (err) {
      const transient = err instanceof KubeApiError && (err.statusCode === 429 || err.statusCode >= 500);
      if (!transient || attempt === ATTEMPTS) throw err;
      await sleep(systemClock, 250 * attempt);
    }
  }
}

async function readRequest(http: KubeHttp, namespace: string, name: string): Promise<DescribedRequest> {
  try {
    return await get<DescribedRequest>(
      http,
      `${collectionPath('RemediationRequest', namespace)}/${encodeURIComponent(name)}`,
    );
  } catch (err) {
    if (!(err instanceof KubeApiError) || err.statusCode !== 404) throw err;
    const details = (err.body as { details?: { name?: string } } | undefined)?.details;
    if (details?.name === name)
      throw new Error(
        `RemediationRequest "${name}" not found in namespace "${namespace}" (kubectl get rr -n ${namespace} lists them)`,
        { cause: err },
      );
    const { plural, group } = KINDS.RemediationRequest;
    throw new Error(
      `the API server does not serve ${plural}.${group}/${API_VERSION}: are the CRDs of config/crd/ installed? (${err.message})`,
      { cause: err },
    );
  }
}

function belongsTo(child: ChildObject, uid: string | undefined): boolean {
  if (!uid) return true;
  return (
    child.spec?.remediationRequestRef?.uid === uid ||
    (child.metadata?.ownerReferences ?? []).some((ref) => ref.uid === uid)
  );
}

/**
 * The request and its children: every child kind listed by the request's label, kept when it belongs
 * to this request's UID (a request re-created under the same name has children of its own).
 */
export async function readRemediation(
  http: KubeHttp,
  namespace: string,
  name: string,
): Promise<RemediationSnapshot> {
  const request = await readRequest(http, namespace, name);
  const uid = request.metadata?.uid;
  const labelSelector = `${LABEL_REMEDIATION_REQUEST}=${requestLabelValue(name)}`;
  const lists = await Promise.all(
    CHILD_KINDS.map(async (kind) => {
      try {
        const list = await get<{ items?: ChildObject[] }>(http, collectionPath(kind, namespace), {
          labelSelector,
        });
        return { kind, items: (list.items ?? []).filter((o) => belongsTo(o, uid)) };
      } catch (err) {
        if (!(err instanceof KubeApiError)) throw err;
        return { kind, items: [], error: `cannot list ${KINDS[kind].plural}: ${err.message}` };
      }
    }),
  );
  const byName = (a: ChildObject, b: ChildObject) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
  return {
    request,
    children: lists.flatMap(({ kind, items }) => items.sort(byName).map((object) => ({ kind, object }))),
    unreadable: lists.flatMap((l) => (l.error ? [l.error] : [])),
  };
}

type Cell = string | { text: string; phase: string | undefined };

/** Aligned columns, two spaces apart, indented by two; phase cells painted, padding left unpainted. */
function table(header: string[], rows: Cell[][], colour: PhaseColour): string[] {
  const text = (cell: Cell) => (typeof cell === 'string' ? cell : cell.text);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => text(row[i] ?? '').length)));
  const line = (cells: Cell[]) =>
    `  ${cells
      .map((cell, i) => {
        const padding = ' '.repeat((widths[i] ?? 0) - text(cell).length);
        return (typeof cell === 'string' ? cell : colour(cell.text, cell.phase)) + padding;
      })
      .join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

function phaseCell(phase: string | undefined): Cell {
  return { text: phase ?? '-', phase };
}

function between(from: string | undefined, to: string | number | undefined): string {
  if (!from || to === undefined) return '';
  const ms = (typeof to === 'number' ? to : Date.parse(to)) - Date.parse(from);
  if (!Number.isFinite(ms)) return '';
  return formatDuration(ms < 10_000 ? Math.round(ms / 100) * 100 : Math.round(ms / 1000) * 1000);
}

function fields(pairs: Array<[string, string | undefined]>): string[] {
  const shown = pairs.filter((pair): pair is [string, string] => pair[1] !== undefined && pair[1] !== '');
  const width = Math.max(...shown.map(([label]) => label.length)) + 3;
  return shown.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`);
}

function overview(snapshot: RemediationSnapshot, colour: PhaseColour): string[] {
  const { metadata, spec, status = {} } = snapshot.request;
  const targeting = spec?.targetingData;
  const resource = targeting?.resource;
  const alert = targeting
    ? `${targeting.alertName} (${[targeting.environment, targeting.severity].filter(Boolean).join(', ')})`
    : undefined;
  const target = resource
    ? `${resource.kind ?? '?'} ${resource.namespace ? `${resource.namespace}/` : ''}${resource.name ?? '?'}`
    : targeting?.namespace && `namespace ${targeting.namespace}`;
  const steps =
    status.stepsTotal === undefined
      ? undefined
      : `${status.overallProgress ?? 0}% (${status.stepsCompleted ?? 0} of ${status.stepsTotal} steps completed, ${status.stepsFailed ?? 0} failed)`;
  const approval = status.approval?.decision
    ? [
        status.approval.decision,
        status.approval.decidedBy && `by ${status.approval.decidedBy}`,
        status.approval.method && `via ${status.approval.method}`,
        status.approval.decidedAt && `at ${status.approval.decidedAt}`,
      ]
        .filter(Boolean)
        .join(' ') + (status.approval.justification ? `: ${status.approval.justification}` : '')
    : undefined;
  const blocked = status.blockedReason
    ? [
        status.blockedReason,
        status.blockedUntil && `until ${status.blockedUntil}`,
        status.duplicateOf?.name && `waiting on ${status.duplicateOf.name}`,
      ]
        .filter(Boolean)
        .join(', ')
    : undefined;
  return fields([
    ['Name', metadata?.name],
    ['Namespace', metadata?.namespace],
    ['Alert', alert],
    ['Fingerprint', targeting?.signalFingerprint],
    ['Target', target || undefined],
    ['Phase', status.phase ? colour(status.phase, status.phase) : 'not picked up yet (no status)'],
    ['Reason', status.reason],
    ['Message', status.message],
    ['Blocked', blocked],
    ['Duplicate of', status.blockedReason ? undefined : status.duplicateOf?.name],
    ['Duplicates', status.duplicates ? String(status.duplicates) : undefined],
    ['Timed out in', status.timeoutPhase],
    ['Approval', approval],
    ['Progress', steps],
    ['Started', status.startTime],
    ['Completed', status.completionTime],
  ]);
}

function timeline(snapshot: RemediationSnapshot, colour: PhaseColour, now: Date): string[] {
  const { status = {} } = snapshot.request;
  const history = status.phaseHistory ?? [];
  if (history.length === 0) return ['Timeline: no phase recorded yet'];
  const rows = history.map((entry, i): Cell[] => {
    const current = i === history.length - 1 && !entry.exitedAt && !status.completionTime;
    const lasted = entry.exitedAt
      ? between(entry.enteredAt, entry.exitedAt)
      : current
        ? `${between(entry.enteredAt, now.getTime())} so far`
        : '';
    return [phaseCell(entry.phase), entry.enteredAt, lasted, entry.reason ?? ''];
  });
  return ['Timeline:', ...table(['PHASE', 'ENTERED', 'LASTED', 'REASON'], rows, colour)];
}

function children(snapshot: RemediationSnapshot, colour: PhaseColour): string[] {
  const working = snapshot.children.filter((c) => c.kind !== 'NotificationRequest');
  if (working.length === 0) return ['Children: none yet'];
  const rows = working.map(({ kind, object }): Cell[] => [
    kind,
    object.metadata?.name ?? '',
    phaseCell(object.status?.phase),
    object.status?.reason ?? '',
  ]);
  return ['Children:', ...table(['KIND', 'NAME', 'PHASE', 'REASON'], rows, colour)];
}

/** The plan's steps with the phase of each step's KubernetesExecution (else the one in the request's status). */
export function planSteps(snapshot: RemediationSnapshot): PictureStep[] | undefined {
  const workflow = snapshot.children.find((c) => c.kind === 'WorkflowExecution');
  const steps = workflow?.object.status?.plan?.steps;
  if (!steps) return undefined;
  const phases = new Map<string, string>();
  for (const ref of snapshot.request.status?.kubernetesExecutionRefs ?? [])
    if (ref.phase) phases.set(ref.step, ref.phase);
  for (const { kind, object } of snapshot.children) {
    const step = object.spec?.step?.name;
    if (kind === 'KubernetesExecution' && step && object.status?.phase) phases.set(step, object.status.phase);
  }
  return steps.map((s) => {
    const phase = phases.get(s.name);
    return { name: s.name, dependsOn: s.dependsOn ?? [], ...(phase === undefined ? {} : { phase }) };
  });
}

function plan(snapshot: RemediationSnapshot, colour: PhaseColour): string[] {
  const steps = planSteps(snapshot);
  if (!steps) return ['Plan: not planned yet'];
  const indent = (line: string) => (line ? `  ${line}` : line);
  return ['Plan:', ...renderPlanAscii(steps, { colour }).split('\n').map(indent)];
}

function notifications(snapshot: RemediationSnapshot, colour: PhaseColour): string[] {
  const sent = snapshot.children.filter((c) => c.kind === 'NotificationRequest');
  if (sent.length === 0) return ['Notifications: none'];
  const rows = sent.map(({ object }): Cell[] => [
    object.spec?.type ?? '',
    object.metadata?.name ?? '',
    phaseCell(object.status?.phase),
    object.spec?.priority ?? '',
    object.spec?.title ?? '',
  ]);
  return ['Notifications:', ...table(['TYPE', 'NAME', 'PHASE', 'PRIORITY', 'TITLE'], rows, colour)];
}

/** The whole description, sections apart by a blank line. `now` dates the current phase. */
export function formatDescription(
  snapshot: RemediationSnapshot,
  options: { colour: PhaseColour; now: Date },
): string {
  const { colour, now } = options;
  const sections = [
    overview(snapshot, colour),
    timeline(snapshot, colour, now),
    children(snapshot, colour),
    plan(snapshot, colour),
    notifications(snapshot, colour),
  ];
  if (snapshot.unreadable.length > 0)
    sections.push(['Warnings:', ...snapshot.unreadable.map((w) => `  ${w}`)]);
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}
