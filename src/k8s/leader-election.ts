// Leader election on a coordination.k8s.io Lease, with client-go's semantics: optimistic updates
// with the Lease's resourceVersion; a Lease is expired when its record has not changed for
// leaseDuration as measured on *our* clock (no trust in other nodes' clocks); the leader renews
// every retryPeriod and gives up when it could not renew within renewDeadline.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { sleep, type Clock } from '../util/clock.js';
import { httpStatusOf } from './errors.js';

export interface LeaderElectorOptions {
  /** The coordination.k8s.io Lease held by the leader. */
  leaseName: string;
  leaseNamespace: string;
  /** Written into the Lease as its holder; must differ between replicas. */
  identity: string;
  /** How long a Lease holds without renewal. */
  leaseDurationMs: number;
  /** The leader gives up if it could not renew for this long. */
  renewDeadlineMs: number;
  /** The wait between two attempts to acquire or renew. */
  retryPeriodMs: number;
}

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private observedRecord = '';
  private observedAt = 0;
  private leader = false;
  private lost: (() => void)[] = [];
  private renewing = false;
  private lease: V1Lease | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: LeaderElectorOptions,
    private readonly clock: Clock,
    private readonly log: Log,
  ) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leader;
  }

  onLost(callback: () => void): void {
    this.lost.push(callback);
  }

  /** Resolves once this replica holds the Lease; then renews it in the background. */
  async acquire(): Promise<void> {
    this.log.info(
      { lease: `${this.options.leaseNamespace}/${this.options.leaseName}`, identity: this.options.identity },
      'waiting for leadership',
    );
    while (!(await this.tryAcquireOrRenew().catch((err: unknown) => this.failedAttempt(err))))
      await sleep(this.clock, this.options.retryPeriodMs);
    this.leader = true;
    this.log.info({ identity: this.options.identity }, 'became leader');
    void this.renewLoop();
  }

  /** Gives the Lease up on a clean shutdown, so that another replica takes over at once. */
  async release(): Promise<void> {
    if (!this.leader || !this.lease) return;
    this.leader = false;
    this.renewing = false;
    try {
      await this.api.replaceNamespacedLease({
        name: this.options.leaseName,
        namespace: this.options.leaseNamespace,
        body: { ...this.lease, spec: { ...this.lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } },
      });
    } catch {
      // Another replica may already hold it; the Lease expires by itself anyway.
    }
  }

  private failedAttempt(err: unknown): false {
    this.log.warn({ err }, 'could not read or update the Lease; retrying');
    return false;
  }

  private async renewLoop(): Promise<void> {
    this.renewing = true;
    let lastRenew = this.clock.now();
    while (this.renewing) {
      await sleep(this.clock, this.options.retryPeriodMs);
      if (!this.renewing) return;
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => this.failedAttempt(err));
      if (ok) lastRenew = this.clock.now();
      else if (this.clock.now() - lastRenew >= this.options.renewDeadlineMs) {
        this.leader = false;
        this.renewing = false;
        this.log.warn(
          { identity: this.options.identity },
          'could not renew the Lease within the renew deadline',
        );
        for (const cb of this.lost) cb();
        return;
      }
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new V1MicroTime(this.clock.now());
    const { leaseName: name, leaseNamespace: namespace, identity } = this.options;
    const durationSeconds = Math.ceil(this.options.leaseDurationMs / 1000);
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (httpStatusOf(err) !== 404) return false;
      try {
        this.lease = await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch {
        return false;
      }
    }
    const spec = current.spec ?? {};
    // client-node hands renewTime back as a string, whatever its type says.
    const record = `${spec.holderIdentity ?? ''}/${String(spec.renewTime ?? '')}/${current.metadata?.resourceVersion ?? ''}`;
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = this.clock.now();
    }
    const held = spec.holderIdentity && spec.holderIdentity !== identity;
    const expired =
      this.clock.now() > this.observedAt + (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (held && !expired) return false;
    const takingOver = spec.holderIdentity !== identity;
    try {
      this.lease = await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...current,
          spec: {
            ...spec,
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            renewTime: now,
            acquireTime: takingOver ? now : spec.acquireTime,
            leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver ? 1 : 0),
          },
        },
      });
      return true;
    } catch {
      return false;
    }
  }
}
