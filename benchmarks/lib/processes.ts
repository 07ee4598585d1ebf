// The orchestrator and the simulator as separate processes, as they run in production: compiled to
// dist/ and started with `node` (not npx, so that SIGTERM reaches them), their output kept in a log
// file. From source (`node --import tsx`) each takes more RSS (docs/operations.md, Sizing) and
// compiles on the fly.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../src/testing/processes.js';
import { launchCommand, launchEnv, type Launch } from './launch.js';
import { scrape } from './metrics.js';
import { heapFlags, readCmdline } from './proc.js';

export type { Launch } from './launch.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `dist`: compiled by buildDist() first, as deployed; `source`: src/ through tsx. */
export type RunFrom = 'dist' | 'source';

let built: Promise<void> | undefined;
/** Compiles src/ to dist/ (`npm run build`), once per benchmark process. */
export function buildDist(): Promise<void> {
  built ??= promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
    { cwd: root },
  ).then(
    () => undefined,
    (err: { stdout?: string; message: string }) => {
      throw new Error(`compiling src/ to dist/ failed: ${err.stdout || err.message}`);
    },
  );
  return built;
}

/** The script that runs `module` (a path under src/ without extension), and the node flags it needs. */
function entry(module: string, runFrom: RunFrom): { flags: string[]; script: string } {
  return runFrom === 'dist'
    ? { flags: [], script: join(root, 'dist', `${module}.js`) }
    : { flags: ['--import', 'tsx'], script: join(root, 'src', `${module}.ts`) };
}

export interface BenchProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** The last lines of its output, for error messages. */
  tail(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

const running = new Set<BenchProcess>();
let hooked = false;
function killAllOnExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = (): void => {
    for (const p of running) p.child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  // A signal's default action ends the process without 'exit': kill them on the way out too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.prependOnceListener(signal, () => {
      killAll();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function start(
  name: string,
  module: string,
  runFrom: RunFrom,
  args: string[],
  logFile: string,
  nodeArgs: string[] = [],
  launch: Launch = {},
): BenchProcess {
  killAllOnExit();
  const { flags, script } = entry(module, runFrom);
  const argv = [process.execPath, ...flags, ...nodeArgs, script, ...args];
  const [command, ...commandArgs] = launchCommand(argv, launch);
  const child = spawn(command!, commandArgs, {
    cwd: root,
    env: launchEnv(process.env, launch),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  let tail = '';
  const keep = (d: Buffer): void => {
    tail = (tail + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const p: BenchProcess = {
    name,
    child,
    pid: child.pid ?? -1,
    logFile,
    tail: () => tail,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      running.delete(p);
      if (p.exited()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
  running.add(p);
  return p;
}

async function until(
  what: string,
  p: BenchProcess,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (p.exited()) throw new Error(`${p.name} exited before ${what}:\n${p.tail()}`);
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return;
    if (performance.now() > deadline)
      throw new Error(`${p.name}: no ${what} within ${timeoutMs} ms:\n${p.tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface OrchestratorProcess extends BenchProcess {
  metricsPort: number;
  /** The V8 heap flags on its command line once ready (src/heap-from-cgroup.ts may have added them
   * by re-executing itself under the same PID); null when /proc could not be read. */
  heapFlags: string[] | null;
}

export interface OrchestratorFlags {
  qps: number;
  burst: number;
  maxConcurrentWrites: number;
}

/**
 * Starts the orchestrator on `namespace`; resolves once /readyz answers 200 (informers synced). As a
 * pod (`launch.pod`) it gets no --kubeconfig: it finds its API server as in a pod.
 */
export async function startOrchestrator(
  kubeconfigPath: string,
  namespace: string,
  flags: OrchestratorFlags,
  logFile: string,
  runFrom: RunFrom,
  nodeArgs: string[] = [],
  launch: Launch = {},
): Promise<OrchestratorProcess> {
  const metricsPort = await freePort();
  const p = start(
    'orchestrator',
    'main',
    runFrom,
    [
      ...(launch.pod ? [] : [`--kubeconfig=${kubeconfigPath}`]),
      `--namespaces=${namespace}`,
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      '--log-level=warn',
      `--qps=${flags.qps}`,
      `--burst=${flags.burst}`,
      `--max-concurrent-writes=${flags.maxConcurrentWrites}`,
    ],
    logFile,
    nodeArgs,
    launch,
  );
  try {
    await until(
      'ready /readyz',
      p,
      60_000,
      async () => (await scrape(metricsPort, '/readyz', 2000)).status === 200,
    );
    // The run samples this PID: through the launch's wrappers it must have become node itself.
    const command = readCmdline(p.pid);
    if (command && command[0] !== process.execPath)
      throw new Error(`orchestrator: PID ${p.pid} runs ${command.join(' ')}, not node: a wrapper forked`);
  } catch (err) {
    await p.stop();
    throw err;
  }
  return Object.assign(p, { metricsPort, heapFlags: heapFlags(p.pid) });
}

/** Starts the simulator on `namespace` with `scenario` as its default; resolves once its informers
 * have listed (its one info line "simulator started"; status writes are logged only at debug). */
export async function startSimulatorProcess(
  kubeconfigPath: string,
  namespace: string,
  scenario: object,
  logFile: string,
  runFrom: RunFrom,
  nodeArgs: string[] = [],
): Promise<BenchProcess> {
  const p = start(
    'simulator',
    'sim/main',
    runFrom,
    [
      '--kubeconfig',
      kubeconfigPath,
      '--namespaces',
      namespace,
      '--scenario',
      JSON.stringify(scenario),
      '--log-level',
      'info',
    ],
    logFile,
    nodeArgs,
  );
  try {
    await until('"simulator started"', p, 60_000, () => p.tail().includes('simulator started'));
  } catch (err) {
    await p.stop();
    throw err;
  }
  return p;
}
