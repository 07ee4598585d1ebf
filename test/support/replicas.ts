// Orchestrator replicas as separate processes with --leader-elect, each with its own kubeconfig (its
// own API user) and identity, as a Deployment with several pods runs them: a replica that exits by
// itself is started again at once (as the kubelet restarts a container); one the test kills stays
// down until the test starts it again.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOrchestratorProcess, type OrchestratorProcess } from './orchestrator-process.js';

export interface LeaseTiming {
  durationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface ReplicasOptions {
  /** The kubeconfig of replica `id`; its identity in the Lease is `id` too. */
  kubeconfigOf(id: string): string;
  namespaces: string[];
  leaseNamespace: string;
  lease: LeaseTiming;
  /** More orchestrator flags (see `npx tsx src/main.ts --help`). */
  args?: string[];
  /** Told of every start, exit and signal. */
  onEvent?(line: string): void;
  /** Environment variables added for every replica process. */
  env?: Record<string, string>;
  /** Where each replica's whole output goes when its process ends (`<id>.log`); kept in memory only when absent. */
  logDir?: string;
}

export class Replicas {
  private readonly running = new Map<string, OrchestratorProcess>();
  private readonly intended = new WeakSet<OrchestratorProcess>();
  private readonly logs = new Map<string, string>();
  private closing = false;
  /** Starts per replica, first start included. */
  readonly starts = new Map<string, number>();

  constructor(private readonly options: ReplicasOptions) {}

  start(id: string): void {
    if (this.running.has(id)) throw new Error(`replica ${id} is already running`);
    const { lease } = this.options;
    const replica = startOrchestratorProcess(
      this.options.kubeconfigOf(id),
      this.options.namespaces,
      this.options.env,
      [
        '--leader-elect',
        `--leader-election-namespace=${this.options.leaseNamespace}`,
        `--leader-election-identity=${id}`,
        `--leader-election-lease-duration=${lease.durationMs}ms`,
        `--leader-election-renew-deadline=${lease.renewDeadlineMs}ms`,
        `--leader-election-retry-period=${lease.retryPeriodMs}ms`,
        ...(this.options.args ?? []),
      ],
    );
    this.running.set(id, replica);
    this.starts.set(id, (this.starts.get(id) ?? 0) + 1);
    this.options.onEvent?.(`${id} started (pid ${replica.child.pid})`);
    void replica.exited.then(({ code, signal }) => {
      this.logs.set(id, `${this.logs.get(id) ?? ''}${replica.output()}`.slice(-20_000));
      if (this.options.logDir)
        appendFileSync(
          join(this.options.logDir, `${id}.log`),
          `--- pid ${replica.child.pid}, exit code ${code}, signal ${signal}\n${replica.output()}`,
        );
      if (this.running.get(id) === replica) this.running.delete(id);
      if (this.intended.has(replica) || this.closing) return;
      this.options.onEvent?.(`${id} exited by itself (code ${code}, signal ${signal}); restarting it`);
      this.start(id);
    });
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  pid(id: string): number | undefined {
    return this.running.get(id)?.child.pid;
  }

  /** Kills replica `id` with SIGKILL and waits for it to be gone; it stays down until `start(id)`. */
  async kill(id: string): Promise<void> {
    const replica = this.running.get(id);
    if (!replica) throw new Error(`replica ${id} is not running`);
    this.intended.add(replica);
    this.options.onEvent?.(`SIGKILL ${id} (pid ${replica.child.pid})`);
    await replica.kill('SIGKILL');
  }

  /** Freezes replica `id` (SIGSTOP): it keeps its connections and timers but runs no code. */
  pause(id: string): void {
    this.signal(id, 'SIGSTOP');
  }

  resume(id: string): void {
    this.signal(id, 'SIGCONT');
  }

  /** Resolves when the process now running as `id` exits, with how. */
  exited(id: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const replica = this.running.get(id);
    if (!replica) return Promise.resolve({ code: null, signal: null });
    return replica.exited;
  }

  /** The last output of every process that ran as `id`. */
  output(id: string, chars = 4000): string {
    return `${this.logs.get(id) ?? ''}${this.running.get(id)?.output() ?? ''}`.slice(-chars);
  }

  async stopAll(): Promise<void> {
    this.closing = true;
    for (const replica of this.running.values()) {
      this.intended.add(replica);
      await replica.kill('SIGKILL'); // a stopped process dies of SIGKILL too
    }
    this.running.clear();
  }

  private signal(id: string, signal: NodeJS.Signals): void {
    const replica = this.running.get(id);
    if (!replica) throw new Error(`replica ${id} is not running`);
    this.options.onEvent?.(`${signal} ${id} (pid ${replica.child.pid})`);
    replica.child.kill(signal);
  }
}
