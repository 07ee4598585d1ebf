// Child processes of the local control plane: started with a watchdog so that they end with us,
// even when this process is killed with SIGKILL, and stopped in reverse order on exit or signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

const running = new Set<ManagedProcess>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const p of running) p.child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const p of running) p.child.kill('SIGKILL');
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Runs `command` under a bash watchdog that polls our PID and kills the command once we are gone:
 * Node has no parent-death signal, and a leaked kube-apiserver would hold ports and memory for good.
 */
export function startProcess(name: string, command: string, args: string[], logFile: string): ManagedProcess {
  installExitHooks();
  const watchdog = [
    '"$@" & child=$!',
    `trap 'kill -TERM $child 2>/dev/null; wait $child; exit' TERM INT`,
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1 & wait $!; done`,
    'kill -KILL $child 2>/dev/null; wait $child',
  ].join('\n');
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn('bash', ['-c', watchdog, name, command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const managed: ManagedProcess = {
    name,
    child,
    logFile,
    async stop() {
      running.delete(managed);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(managed);
  return managed;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free loopback port'));
      });
    });
  });
}
