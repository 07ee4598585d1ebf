// The stage of the fault-injection tests: a control plane of their own (an audit log, one API user
// per replica), orchestrator replicas that reach the API server through a TCP proxy that can cut
// their connections, the simulated child controllers, and watches of the requests and the Lease
// that record what happens in a fault timeline.
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { KINDS, API_VERSION } from '../../src/api/index.js';
import type { KubeObject } from '../../src/k8s/informer.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { bindOrchestratorRole, startControlPlane, type ControlPlane } from '../../src/testing/index.js';
import { FaultTimeline } from './fault-timeline.js';
import { createNamespace, Objects, type Obj } from './kube.js';
import { isFinished } from './load.js';
import { Replicas, type LeaseTiming } from './replicas.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { Watched } from './watch.js';

export const LEASE_NAME = 'remediation-orchestrator';

export interface ChaosHarnessOptions {
  replicaIds: string[];
  lease: LeaseTiming;
  /** More orchestrator flags. */
  args?: string[];
  /** Environment variables added for every replica process. */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface ChaosHarness {
  plane: ControlPlane;
  admin: KubeConfig;
  k: Objects;
  ns: string;
  proxy: TcpProxy;
  sim: Simulator;
  replicas: Replicas;
  timeline: FaultTimeline;
  requests: Watched<Obj & KubeObject>;
  /** Phase changes of requests seen so far. */
  readonly phaseChanges: number;
  /** The holder of the Lease, read from the API server now. */
  leader(): Promise<string | undefined>;
  /** Resolves with the Lease's holder once `accept` holds for it. */
  untilLeader(
    accept: (holder: string | undefined) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<string>;
  /** Resolves once `count` more phase changes were seen, or every one of `total` requests is finished. */
  untilProgress(count: number, total: number, timeoutMs: number, what: string): Promise<void>;
  /** The replicas' recent output, for failure messages. */
  outputs(): string;
  stop(): Promise<void>;
}

const phaseOf = (o: Obj | undefined): string | undefined =>
  (o?.status as { phase?: string } | undefined)?.phase;

export async function startChaosHarness(options: ChaosHarnessOptions): Promise<ChaosHarness> {
  const log = options.log ?? (() => {});
  const timeline = new FaultTimeline();
  const plane = await startControlPlane({
    installCrds: true,
    auditLog: true,
    users: options.replicaIds,
    log,
  });
  const cleanups: (() => Promise<void> | void)[] = [() => plane.stop()];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const admin = plane.kubeConfig;
    const k = new Objects(admin);
    const ns = await createNamespace(admin, 'chaos');
    const proxy = await startTcpProxy(plane.server);
    cleanups.push(() => proxy.close());
    const kubeconfigs = new Map<string, string>();
    for (const id of options.replicaIds) {
      await bindOrchestratorRole(admin, id, ns);
      kubeconfigs.set(id, await plane.writeKubeconfig({ user: id, server: proxy.url }));
    }
    const sim = await startSimulator({
      kubeConfig: admin,
      namespaces: [ns],
      maxConcurrentWrites: 32,
      warn: () => {},
    });
    cleanups.push(() => sim.stop());

    let phaseChanges = 0;
    const requests = new Watched<Obj & KubeObject>(admin, {
      group: KINDS.RemediationRequest.group,
      version: API_VERSION,
      plural: KINDS.RemediationRequest.plural,
      namespace: ns,
    });
    requests.on((type, object, previous) => {
      if (type !== 'deleted' && phaseOf(object) !== phaseOf(previous)) phaseChanges++;
    });
    await requests.start();
    cleanups.push(() => requests.stop());

    const lease = new Watched<V1Lease>(admin, {
      group: 'coordination.k8s.io',
      version: 'v1',
      plural: 'leases',
      namespace: ns,
    });
    const holderOf = (leases: V1Lease[]): string | undefined =>
      leases.find((l) => l.metadata?.name === LEASE_NAME)?.spec?.holderIdentity || undefined;
    let seenHolder: string | undefined;
    lease.on(() => {
      const holder = holderOf(lease.list());
      if (holder !== seenHolder)
        timeline.seen(`Lease holder ${seenHolder ?? '(none)'} -> ${holder ?? '(none)'}`);
      seenHolder = holder;
    });
    await lease.start();
    cleanups.push(() => lease.stop());

    const replicas = new Replicas({
      kubeconfigOf: (id) => kubeconfigs.get(id)!,
      namespaces: [ns],
      leaseNamespace: ns,
      lease: options.lease,
      args: options.args ?? [],
      onEvent: (line) => timeline.seen(line),
      logDir: plane.workDir,
      ...(options.env ? { env: options.env } : {}),
    });
    cleanups.push(() => replicas.stopAll());
    const outputs = (): string =>
      options.replicaIds.map((id) => `--- ${id}:\n${replicas.output(id, 3000)}`).join('\n');
    const coordination = admin.makeApiClient(CoordinationV1Api);

    return {
      plane,
      admin,
      k,
      ns,
      proxy,
      sim,
      replicas,
      timeline,
      requests,
      get phaseChanges() {
        return phaseChanges;
      },
      async leader() {
        const current = await coordination
          .readNamespacedLease({ name: LEASE_NAME, namespace: ns })
          .catch(() => undefined);
        return current?.spec?.holderIdentity || undefined;
      },
      untilLeader: (accept, timeoutMs, what) =>
        lease.until(
          (leases) => {
            const holder = holderOf(leases);
            return accept(holder) && holder ? holder : undefined;
          },
          timeoutMs,
          what,
          () => `${timeline.format()}\n${outputs()}`,
        ),
      untilProgress: (count, total, timeoutMs, what) => {
        const target = phaseChanges + count;
        return requests
          .until(
            (items) => phaseChanges >= target || items.filter(isFinished).length >= total,
            timeoutMs,
            what,
            () => `${timeline.format()}\n${outputs()}`,
          )
          .then(() => undefined);
      },
      outputs,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
