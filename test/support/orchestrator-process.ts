// Runs src/main.ts (or dist/main.js) as a separate process, as the product runs, for crash, fail-over and chart tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface OrchestratorProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export const STORM_OFF_FLAGS = [
  '--deduplicate=false',
  '--serialize-targets=false',
  '--consecutive-failures=0',
  '--recently-remediated=0',
  '--max-executing=0',
  '--storm-threshold=0',
  '--max-blocked=0',
];

export function startOrchestratorProcess(
  kubeconfigPath: string,
  namespaces: string[],
  env: Record<string, string> = {},
  args: string[] = [],
): OrchestratorProcess {
  return startNodeProcess(
    [
      '--import',
      'tsx',
      'src/main.ts',
      `--kubeconfig=${kubeconfigPath}`,
      `--namespaces=${namespaces.join(',')}`,
      '--metrics-bind-address=127.0.0.1:0',
      '--log-level=warn',
      // The fixtures share one fingerprint and one target: storm protection off unless `args` turn it on.
      ...STORM_OFF_FLAGS,
      ...args,
    ],
    env,
  );
}

/** Runs `node <nodeArgs>` from the repository root with `env` added, keeping its output; killed when the tests exit. */
export function startNodeProcess(nodeArgs: string[], env: Record<string, string> = {}): OrchestratorProcess {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const stopOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', stopOnExit);
  return {
    child,
    exited,
    output: () => out,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      process.off('exit', stopOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
