// The helm command for chart tests: built once by tools/helm/build.sh, run on the checkout.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

export const chartDir = join(root, 'charts/remediation-orchestrator');

/** The path of the helm binary; builds it on the first run on a machine (about 2 minutes). */
export async function helmBinary(): Promise<string> {
  const { stdout } = await run('bash', [join(root, 'tools/helm/build.sh')], { cwd: root });
  return stdout.trim().split('\n').pop()!;
}

/** helm's output, or its error output when it refuses (non-zero exit). */
export async function helm(bin: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(bin, args, { cwd: root, maxBuffer: 16 << 20 });
    return { ok: true, out: stdout, err: stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: err.stdout ?? '', err: err.stderr ?? '' };
  }
}

/** The objects `helm template ARGS` renders; throws with helm's error output if it refuses. */
export async function helmTemplate<T>(bin: string, args: string[]): Promise<T[]> {
  const r = await helm(bin, ['template', ...args]);
  if (!r.ok) throw new Error(`helm template ${args.join(' ')} refused:\n${r.err}`);
  return parseAllDocuments(r.out)
    .map((d) => d.toJS() as T | null)
    .filter((o): o is T => o !== null);
}
