// What the NotificationRequests say: title, message, priority and metadata of the approval, the
// escalation and the success notification, computed from what the actor observed and decided (pure).
// Every text is fitted to the NotificationRequest schema's limits here, where it is built.
import { LIMITS, type AIAnalysis, type RemediationRequest } from '../api/index.js';
import { codePoints, fitText, joinFitted } from '../util/fit.js';
import type { NotificationContent } from './children.js';
import type { Observed } from './observed.js';
import type { Phase } from './phases.js';
import { notificationPlanPicture, type PictureStep } from './plan-picture.js';
import { STORM_WINDOW_MS, type StormSummary } from './routing.js';
import { lastActivePhase, type Ledger, type Settings } from './status.js';

/** What a notification is written from. */
export interface NotificationSource {
  observed: Observed;
  ledger: Ledger;
  settings: Pick<Settings, 'channels'>;
}

function priorityFor(
  rr: RemediationRequest,
  type: NotificationContent['type'],
): NotificationContent['priority'] {
  if (type === 'success') return 'low';
  const severity = rr.spec.targetingData.severity;
  if (severity === 'critical' || rr.spec.targetingData.environment === 'production') return 'critical';
  return severity === 'warning' ? 'high' : 'medium';
}

function baseMetadata(rr: RemediationRequest): Record<string, string> {
  const t = rr.spec.targetingData;
  const m: Record<string, string> = {
    remediationRequest: rr.metadata?.name ?? '',
    namespace: rr.metadata?.namespace ?? '',
    alertName: t.alertName,
    environment: t.environment,
    signalFingerprint: t.signalFingerprint,
  };
  if (t.severity) m.severity = t.severity;
  return m;
}

/** The parts of a notification that carry text of our making, fitted to the schema's limits. */
function fitted(content: NotificationContent): NotificationContent {
  const entries = Object.entries(content.metadata).slice(0, LIMITS.notificationMetadataEntries.max);
  return {
    ...content,
    channels: content.channels
      .slice(0, LIMITS.notificationChannels.max)
      .map((c) => fitText(c, LIMITS.notificationChannel)),
    title: fitText(content.title, LIMITS.notificationTitle),
    message: fitText(content.message, LIMITS.notificationMessage),
    metadata: Object.fromEntries(entries.map(([k, v]) => [k, fitText(v, LIMITS.notificationMetadataValue)])),
  };
}

/** A recommended action is free text of up to 1024 characters: a node of the picture shows its start. */
const ACTION_LABEL_MAX = 80;

/**
 * The plan a person is asked to approve, as steps of a picture: the analysis's recommendations with
 * their dependencies (what the WorkflowExecution will be made from), or, when it has none, the
 * approval context's recommended actions as steps without dependencies.
 */
export function approvalPlanSteps(analysis: AIAnalysis | undefined): PictureStep[] {
  const recommendations = analysis?.status?.investigationResult?.recommendations ?? [];
  if (recommendations.length > 0)
    return recommendations.map((r) => ({ name: r.name, dependsOn: r.dependsOn ?? [] }));
  return (analysis?.status?.approvalContext?.recommendedActions ?? [])
    .map((action) => fitText(action.replace(/\s+/g, ' ').trim(), ACTION_LABEL_MAX))
    .filter((action) => action !== '')
    .map((name) => ({ name }));
}

const PLAN_HEADING = '\n\nThe plan to approve:\n';

/**
 * What a person is asked to approve: the analysis's summary, then the plan as an ASCII graph in what
 * the message's limit leaves; the plan's Mermaid source goes to metadata.planMermaid (docs/notifications.md).
 */
function approvalText(s: NotificationSource): { message: string; planMermaid?: string } {
  const analysis = s.observed.analysis;
  // The AIAnalysis CRD keeps the summary to half the message's limit; the plan gets the rest.
  const summary = fitText(
    analysis?.status?.approvalContext?.summary ??
      'The AI analysis recommends actions that need a person to approve them.',
    LIMITS.notificationMessage.max / 2,
  );
  const steps = approvalPlanSteps(analysis);
  if (steps.length === 0) return { message: summary };
  const { ascii, mermaid } = notificationPlanPicture(steps, {
    asciiMaxLength: LIMITS.notificationMessage.max - codePoints(summary + PLAN_HEADING),
    mermaidMaxLength: LIMITS.notificationMetadataValue.max,
  });
  return { message: summary + PLAN_HEADING + ascii.text, planMermaid: mermaid.text };
}

export function approvalNotification(s: NotificationSource): NotificationContent {
  const rr = s.observed.rr;
  const { message, planMermaid } = approvalText(s);
  const metadata: Record<string, string> = {
    ...baseMetadata(rr),
    aiAnalysis: s.observed.analysis?.metadata?.name ?? '',
  };
  if (planMermaid !== undefined) metadata.planMermaid = planMermaid;
  return fitted({
    type: 'approval',
    priority: priorityFor(rr, 'approval'),
    channels: s.settings.channels,
    title: `Approval needed: remediation of ${rr.spec.targetingData.alertName} (${rr.metadata?.name})`,
    message,
    metadata,
    approvalContext: s.observed.analysis?.status?.approvalContext,
  });
}

/** "Kind/name" of the child that was working in `phase`, for escalations. */
function activeChildOf(observed: Observed, phase: Phase): string | undefined {
  const name = (o: { metadata?: { name?: string } } | undefined, kind: string): string | undefined =>
    o?.metadata?.name ? `${kind}/${o.metadata.name}` : undefined;
  switch (phase) {
    case 'Initializing':
    case 'Processing':
      return name(observed.processing, 'RemediationProcessing');
    case 'Analyzing':
    case 'AwaitingApproval':
      return name(observed.analysis, 'AIAnalysis');
    case 'WorkflowPlanning':
      return name(observed.workflow, 'WorkflowExecution');
    case 'Executing': {
      const running = Object.values(observed.executions).filter((ke) => ke.status?.phase !== 'Completed');
      const names = running.map((ke) => `KubernetesExecution/${ke.metadata?.name}`);
      return joinFitted(names, LIMITS.notificationMetadataValue, ',') || undefined;
    }
    default:
      return undefined;
  }
}

/** The escalation's metadata says which phase ended it, how long it ran and which child was stuck. */
export function escalationNotification(s: NotificationSource): NotificationContent {
  const rr = s.observed.rr;
  const { ledger } = s;
  const failedPhase = lastActivePhase(ledger) ?? 'Pending';
  const entry = [...ledger.phaseHistory].reverse().find((h) => h.phase === failedPhase);
  const metadata: Record<string, string> = {
    ...baseMetadata(rr),
    phase: ledger.phase ?? '',
    reason: ledger.reason ?? '',
    failedPhase,
  };
  if (entry?.enteredAt && entry.exitedAt)
    metadata.phaseDurationSeconds = String(
      Math.round((Date.parse(entry.exitedAt) - Date.parse(entry.enteredAt)) / 1000),
    );
  const stuck = activeChildOf(s.observed, failedPhase);
  if (stuck) metadata.stuckChild = stuck;
  if (ledger.timeoutPhase) metadata.timeoutPhase = ledger.timeoutPhase;
  return fitted({
    type: 'escalation',
    priority: priorityFor(rr, 'escalation'),
    channels: s.settings.channels,
    title: `Remediation ${rr.metadata?.name} ${ledger.phase}: ${ledger.reason}`,
    message:
      ledger.message ?? `The remediation of ${rr.spec.targetingData.alertName} ended as ${ledger.phase}.`,
    metadata,
  });
}

export function successNotification(s: NotificationSource): NotificationContent {
  const rr = s.observed.rr;
  return fitted({
    type: 'success',
    priority: priorityFor(rr, 'success'),
    channels: s.settings.channels,
    title: `Remediated: ${rr.spec.targetingData.alertName} (${rr.metadata?.name})`,
    message: s.ledger.message ?? 'The remediation completed.',
    metadata: { ...baseMetadata(rr), reason: s.ledger.reason ?? 'Succeeded' },
  });
}

/** The one notification of a storm: how many requests arrived in the last minute, and for what. */
export function stormNotification(s: NotificationSource, storm: StormSummary): NotificationContent {
  const rr = s.observed.rr;
  const top = joinFitted(
    storm.top.map((t) => `${t.fingerprint} (${t.count})`),
    LIMITS.notificationMessage.max / 2,
  );
  return fitted({
    type: 'storm',
    priority: 'high',
    channels: s.settings.channels,
    title: `Alert storm: ${storm.count} remediation requests in the last minute`,
    message:
      `${storm.count} RemediationRequests arrived within ${STORM_WINDOW_MS / 1000}s. Requests of severity ` +
      `other than critical wait in Blocked (StormProtection) until it clears; one per fingerprint ` +
      `runs after that. Top fingerprints: ${top}.`,
    metadata: {
      ...baseMetadata(rr),
      stormCount: String(storm.count),
      topFingerprints: joinFitted(
        storm.top.map((t) => `${t.fingerprint}=${t.count}`),
        LIMITS.notificationMetadataValue,
        ',',
      ),
    },
  });
}
