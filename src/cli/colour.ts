// Colours by phase for a terminal: green for done, red for failed, cyan for at work, yellow for
// waiting on someone, dim for ended without success or not started.
import type { PhaseColour } from '../actors/plan-picture.js';

const GREEN = 32;
const RED = 31;
const YELLOW = 33;
const CYAN = 36;
const DIM = 2;

const PHASE_COLOURS: Record<string, number> = {
  Completed: GREEN,
  Ready: GREEN,
  Planned: GREEN,
  Sent: GREEN,
  Failed: RED,
  TimedOut: RED,
  Rejected: RED,
  Blocked: YELLOW,
  AwaitingApproval: YELLOW,
  Approving: YELLOW,
  Initializing: CYAN,
  Processing: CYAN,
  Enriching: CYAN,
  Analyzing: CYAN,
  Investigating: CYAN,
  WorkflowPlanning: CYAN,
  Planning: CYAN,
  Executing: CYAN,
  Running: CYAN,
  Pending: DIM,
  Cancelled: DIM,
  Skipped: DIM,
};

/** Colours only for a terminal, and never when NO_COLOR is set to anything but "" (no-color.org). */
export function colourWanted(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** Paints text by phase with ANSI SGR codes; text of an unknown or absent phase stays as it is. */
export const ansiPhaseColour: PhaseColour = (text, phase) => {
  const code = phase === undefined ? undefined : PHASE_COLOURS[phase];
  return code === undefined ? text : `\u001b[${code}m${text}\u001b[0m`;
};

export const noColour: PhaseColour = (text) => text;
