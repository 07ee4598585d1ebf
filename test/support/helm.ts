// The helm command for the chart's tests (built once per machine by tools/helm/build.sh), and the
// objects it renders.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { buildTool, runTool, type ToolRun } from './go-tools.js';

export const chartDir = join(
  fileURLToPath(new URL('../../', import.meta.url)),
  'charts/remediation-orchestrator',
);

/** The path of the helm binary; builds it on the first run on a machine (about 2 minutes). */
export const helmBinary = (): Promise<string> => buildTool('helm');

/** helm's output, or its error output when it refuses (non-zero exit). */
export const helm = (bin: string, args: string[]): Promise<ToolRun> => runTool(bin, args);

/** The objects `helm template ARGS` renders; throws with helm's error output if it refuses. */
export async function helmTemplate<T>(bin: string, args: string[]): Promise<T[]> {
  const r = await helm(bin, ['template', ...args]);
  if (!r.ok) throw new Error(`helm template ${args.join(' ')} refused:\n${r.err}`);
  return parseAllDocuments(r.out)
    .map((d) => d.toJS() as T | null)
    .filter((o): o is T => o !== null);
}

/** helm's error output for `helm template ARGS`; throws if helm renders it. */
export async function helmTemplateRefusal(bin: string, args: string[]): Promise<string> {
  const r = await helm(bin, ['template', ...args]);
  if (r.ok) throw new Error(`helm template ${args.join(' ')} was expected to refuse, and rendered`);
  return r.err;
}
