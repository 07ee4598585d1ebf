// The workflow plan as a picture: an ASCII dependency graph for terminals and notification messages,
// Mermaid for whatever renders it, and both fitted to the NotificationRequest's length limits.
import { LIMITS } from '../api/index.js';

export interface PictureStep {
  name: string;
  dependsOn?: readonly string[];
  /** The phase of the step's KubernetesExecution, when it has one. */
  phase?: string;
}

/** Wraps a step's text (its name or its phase) in colour; the CLI passes ANSI colours. */
export type PhaseColour = (text: string, phase: string | undefined) => string;

/** spec.message maxLength of the NotificationRequest CRD (a unit test keeps it equal to the CRD). */
export const NOTIFICATION_MESSAGE_MAX_LENGTH = LIMITS.notificationMessage.max;
/** maxLength of each spec.metadata value of the NotificationRequest CRD. */
export const NOTIFICATION_METADATA_VALUE_MAX_LENGTH = LIMITS.notificationMetadataValue.max;

export interface PlanLevels {
  /** Level 1 holds the steps without dependencies; a step sits one level below its deepest dependency. */
  levels: PictureStep[][];
  /** Steps that can never start because they are in (or wait on) a dependency cycle. */
  cyclic: PictureStep[];
}

/** The steps layered by dependency depth, in plan order within a level. Unknown dependencies are ignored. */
export function planLevels(steps: readonly PictureStep[]): PlanLevels {
  const known = new Set(steps.map((s) => s.name));
  const placed = new Set<string>();
  const levels: PictureStep[][] = [];
  let remaining = [...steps];
  while (remaining.length > 0) {
    const ready = remaining.filter((s) => (s.dependsOn ?? []).every((d) => !known.has(d) || placed.has(d)));
    if (ready.length === 0) break;
    levels.push(ready);
    for (const s of ready) placed.add(s.name);
    remaining = remaining.filter((s) => !ready.includes(s));
  }
  return { levels, cyclic: remaining };
}

/** One step with its place: a level number from 1, or undefined for a step in a cycle. */
interface Placed {
  step: PictureStep;
  level: number | undefined;
}

function placeSteps(steps: readonly PictureStep[]): { placed: Placed[]; levelCount: number } {
  const { levels, cyclic } = planLevels(steps);
  const placed: Placed[] = levels.flatMap((level, i) => level.map((step) => ({ step, level: i + 1 })));
  for (const step of cyclic) placed.push({ step, level: undefined });
  return { placed, levelCount: levels.length };
}

/** Longer names push their own line's columns right rather than widen every line. */
const NAME_COLUMN_MAX = 40;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The note that replaces the steps a fitted picture leaves out. */
export function omittedNote(omitted: number): string {
  return `… and ${plural(omitted, 'more step')}`;
}

function asciiHeader(total: number, levelCount: number, cyclic: number): string {
  if (total === 0) return 'The plan has no steps.';
  const cycle = cyclic > 0 ? `; ${cyclic} in a dependency cycle (level !)` : '';
  return `${plural(total, 'step')} in ${plural(levelCount, 'level')}${cycle}; a step starts once the steps after "<-" have completed`;
}

function asciiLines(
  shown: readonly Placed[],
  total: { steps: number; levels: number; cyclic: number },
  colour: PhaseColour | undefined,
): string[] {
  const lines = [asciiHeader(total.steps, total.levels, total.cyclic)];
  const label = (level: number | undefined): string => (level === undefined ? '!' : String(level));
  const levelWidth = Math.max(0, ...shown.map((p) => label(p.level).length));
  const nameWidth = Math.min(NAME_COLUMN_MAX, Math.max(0, ...shown.map((p) => p.step.name.length)));
  const phaseWidth = Math.max(0, ...shown.map((p) => (p.step.phase ?? '').length));
  const paint = (text: string, phase: string | undefined): string =>
    colour && text ? colour(text, phase) : text;
  const indent = ' '.repeat(levelWidth + 2);
  let previous: number | undefined | null = null;
  for (const { step, level } of shown) {
    const first = level !== previous;
    if (first && previous !== null) lines.push(`${indent}|`);
    previous = level;
    const levelCell = (first ? label(level) : '').padStart(levelWidth);
    const name = paint(step.name, step.phase) + ' '.repeat(Math.max(0, nameWidth - step.name.length));
    const phase = phaseWidth
      ? `  ${paint(step.phase ?? '', step.phase)}${' '.repeat(phaseWidth - (step.phase ?? '').length)}`
      : '';
    const deps = step.dependsOn?.length ? `  <- ${step.dependsOn.join(', ')}` : '';
    lines.push(`${levelCell}  ${name}${phase}${deps}`.trimEnd());
  }
  return lines;
}

function countOf(placed: readonly Placed[], levelCount: number) {
  return {
    steps: placed.length,
    levels: levelCount,
    cyclic: placed.filter((p) => p.level === undefined).length,
  };
}

/**
 * The plan as a layered ASCII graph: a header, then one line per step (level, name, phase when known,
 * its dependencies after "<-"), levels joined by "|". `colour` paints names and phases, for terminals.
 */
export function renderPlanAscii(
  steps: readonly PictureStep[],
  options: { colour?: PhaseColour } = {},
): string {
  const { placed, levelCount } = placeSteps(steps);
  return asciiLines(placed, countOf(placed, levelCount), options.colour).join('\n');
}

const PHASE_STYLES: Record<string, string> = {
  Pending: 'fill:#eeeeee,stroke:#888888',
  Running: 'fill:#dbeafe,stroke:#2563eb',
  Completed: 'fill:#dcfce7,stroke:#16a34a',
  Failed: 'fill:#fee2e2,stroke:#dc2626',
};
const OTHER_PHASE_STYLE = 'fill:#fef9c3,stroke:#ca8a04';

/** A Mermaid class name for a phase: letters, digits and underscores only. */
function phaseClass(phase: string): string {
  const cleaned = phase.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `phase_${cleaned}`;
}

/** Text safe inside a quoted Mermaid label. */
function mermaidLabel(text: string): string {
  return text.replace(/[#"<>]/g, (c) => `#${c.charCodeAt(0)};`);
}

function mermaidLines(shown: readonly Placed[], note: string | undefined): string[] {
  // Ids are positions, not names: step names may hold characters (or words such as "end") that
  // Mermaid reads as syntax, and a short id leaves more of the length limit for the steps.
  const ids = new Map<string, string>();
  shown.forEach((p, i) => {
    if (!ids.has(p.step.name)) ids.set(p.step.name, `s${i + 1}`);
  });
  const lines = ['flowchart TD'];
  shown.forEach((p, i) => lines.push(`  s${i + 1}["${mermaidLabel(p.step.name)}"]`));
  shown.forEach((p, i) => {
    const from = (p.step.dependsOn ?? []).map((d) => ids.get(d)).filter((id) => id !== undefined);
    if (from.length > 0) lines.push(`  ${from.join(' & ')} --> s${i + 1}`);
  });
  if (note !== undefined) lines.push(`  more["${mermaidLabel(note)}"]`);
  const byPhase = new Map<string, string[]>();
  shown.forEach((p, i) => {
    if (p.step.phase === undefined) return;
    const cls = phaseClass(p.step.phase);
    byPhase.set(cls, [...(byPhase.get(cls) ?? []), `s${i + 1}`]);
  });
  for (const [cls, members] of byPhase) {
    lines.push(`  classDef ${cls} ${PHASE_STYLES[cls] ?? OTHER_PHASE_STYLE}`);
    lines.push(`  class ${members.join(',')} ${cls}`);
  }
  return lines;
}

/** The plan as a Mermaid flowchart: dependencies point at the steps that wait on them; one class per phase. */
export function renderPlanMermaid(steps: readonly PictureStep[]): string {
  return mermaidLines(placeSteps(steps).placed, undefined).join('\n');
}

/** Length as the API server counts it for maxLength: in characters (code points), not UTF-16 units. */
export function characterLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function cut(text: string, maxLength: number): string {
  if (characterLength(text) <= maxLength) return text;
  return maxLength <= 0 ? '' : [...text].slice(0, maxLength - 1).join('') + '…';
}

export interface FittedPicture {
  text: string;
  /** How many steps the text shows; the others are summed up in a closing note. */
  shownSteps: number;
  omittedSteps: number;
}

/**
 * Renders the first steps (in level order, so every shown step's dependencies are shown too) that fit
 * in `maxLength` characters, closing with "… and N more steps" when some are left out. Never longer
 * than `maxLength`: a limit too small for even the header and the note gets a cut header.
 */
function fit(
  steps: readonly PictureStep[],
  maxLength: number,
  render: (shown: readonly Placed[], note: string | undefined, counts: ReturnType<typeof countOf>) => string,
): FittedPicture {
  const { placed, levelCount } = placeSteps(steps);
  const counts = countOf(placed, levelCount);
  for (let shown = placed.length; shown >= 0; shown--) {
    const omitted = placed.length - shown;
    const text = render(placed.slice(0, shown), omitted > 0 ? omittedNote(omitted) : undefined, counts);
    if (characterLength(text) <= maxLength) return { text, shownSteps: shown, omittedSteps: omitted };
  }
  const text = render([], placed.length > 0 ? omittedNote(placed.length) : undefined, counts);
  return { text: cut(text, maxLength), shownSteps: 0, omittedSteps: placed.length };
}

/** renderPlanAscii (without colour) shortened to at most `maxLength` characters. */
export function fitPlanAscii(steps: readonly PictureStep[], maxLength: number): FittedPicture {
  return fit(steps, maxLength, (shown, note, counts) =>
    [...asciiLines(shown, counts, undefined), ...(note === undefined ? [] : [note])].join('\n'),
  );
}

/** renderPlanMermaid shortened to at most `maxLength` characters, the note as a node of its own. */
export function fitPlanMermaid(steps: readonly PictureStep[], maxLength: number): FittedPicture {
  return fit(steps, maxLength, (shown, note) => mermaidLines(shown, note).join('\n'));
}

/**
 * Both pictures for a NotificationRequest: `ascii` for spec.message (pass what the rest of the
 * message leaves), `mermaid` for one spec.metadata value.
 */
export function notificationPlanPicture(
  steps: readonly PictureStep[],
  limits: { asciiMaxLength?: number; mermaidMaxLength?: number } = {},
): { ascii: FittedPicture; mermaid: FittedPicture } {
  return {
    ascii: fitPlanAscii(steps, limits.asciiMaxLength ?? NOTIFICATION_MESSAGE_MAX_LENGTH),
    mermaid: fitPlanMermaid(steps, limits.mermaidMaxLength ?? NOTIFICATION_METADATA_VALUE_MAX_LENGTH),
  };
}
