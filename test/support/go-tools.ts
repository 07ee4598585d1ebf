// helm and promtool for the chart's tests: built once per machine from the Go module proxy by
// tools/<name>/build.sh, and run with their output kept for the assertion messages.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

export interface ToolRun {
  ok: boolean;
  out: string;
  err: string;
}

/** The binary's path: tools/<name>/build.sh prints it last, after a build on a cold machine. */
export async function buildTool(name: 'helm' | 'promtool'): Promise<string> {
  const { stdout } = await run('bash', [`${root}tools/${name}/build.sh`], { cwd: root });
  return stdout.trim().split('\n').pop()!;
}

/** The tool's output, or its output and error output when it refuses (non-zero exit). */
export async function runTool(bin: string, args: string[], cwd = root): Promise<ToolRun> {
  try {
    const { stdout, stderr } = await run(bin, args, { cwd, maxBuffer: 16 << 20 });
    return { ok: true, out: stdout, err: stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: err.stdout ?? '', err: err.stderr ?? '' };
  }
}
