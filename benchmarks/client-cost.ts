// The orchestrator-side CPU of one status merge patch, and of one watch event, through client-node
// (CustomObjectsApi + Watch, with our connection reuse) and through KubeHttp, against a local control
// plane. Patches are measured in this process; for watch events a child process makes the patches and
// this process only watches. Clients alternate over ROUNDS rounds; the median is reported.
// Run: npx tsx benchmarks/client-cost.ts [patches per phase, default 2000]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { API_VERSION, KINDS } from '../src/api/index.js';
import { withConnectionReuse } from '../src/k8s/connection-reuse.js';
import { ContentType, KubeHttp } from '../src/k8s/kube-http.js';
import { startControlPlane } from '../src/testing/index.js';

const WARMUP = 200;
const IN_FLIGHT = 4;
const ROUNDS = 3;
const NS = 'client-cost';
const NAME = 'rr-0';
const { group, plural, kind } = KINDS.RemediationRequest;
const collection = `/apis/${group}/${API_VERSION}/namespaces/${NS}/${plural}`;

interface Client {
  name: string;
  patchStatus(status: object): Promise<unknown>;
  /** Starts a watch of the request from `resourceVersion`; `onModified` is called for each MODIFIED. */
  watch(resourceVersion: string, onModified: () => void): Promise<{ abort(): void }>;
}

/** A status about the size of a request's in the middle of its life (~1 KB). */
function status(i: number): object {
  const t = new Date(Date.UTC(2026, 10, 26, 10, 0, i % 60)).toISOString();
  const phases = ['Pending', 'Initializing', 'Processing', 'Analyzing', 'AwaitingApproval'];
  return {
    phase: 'Analyzing',
    overallProgress: i % 100,
    startTime: t,
    phaseStartTime: t,
    phaseHistory: phases.map((phase) => ({ phase, enteredAt: t, exitedAt: t })),
    message: `step ${i} of the benchmark`,
  };
}

function clientNode(kc: KubeConfig): Client {
  const api = kc.makeApiClient(CustomObjectsApi);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  return {
    name: 'client-node',
    patchStatus: (body) =>
      api.patchNamespacedCustomObjectStatus(
        {
          group,
          version: API_VERSION,
          plural,
          namespace: NS,
          name: NAME,
          body: { status: body },
          fieldManager: 'bench',
        },
        mergePatch,
      ),
    watch: (resourceVersion, onModified) =>
      new Watch(kc).watch(
        collection,
        { resourceVersion, allowWatchBookmarks: true, fieldSelector: `metadata.name=${NAME}` },
        (type) => type === 'MODIFIED' && onModified(),
        () => undefined,
      ),
  };
}

function kubeHttp(kc: KubeConfig): Client {
  const http = new KubeHttp(kc);
  return {
    name: 'KubeHttp',
    patchStatus: (body) =>
      http.request('PATCH', `${collection}/${NAME}/status`, {
        query: { fieldManager: 'bench' },
        body: { status: body },
        contentType: ContentType.mergePatch,
      }),
    watch: (resourceVersion, onModified) =>
      http.watch(
        collection,
        { resourceVersion, allowWatchBookmarks: true, fieldSelector: `metadata.name=${NAME}` },
        (type) => type === 'MODIFIED' && onModified(),
        () => undefined,
      ),
  };
}

function loadConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return withConnectionReuse(kc);
}

async function patchMany(client: Client, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await client.patchStatus(status(next++));
    }),
  );
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** CPU ms per patch made here. */
async function patchCost(client: Client, count: number): Promise<number> {
  const start = process.cpuUsage();
  await patchMany(client, count);
  return cpuMsSince(start) / count;
}

/** CPU ms per watch event received here, for `count` patches made by a child process. */
async function watchCost(
  client: Client,
  http: KubeHttp,
  kubeconfigPath: string,
  count: number,
): Promise<number> {
  const { metadata } = await http.request<{ metadata: { resourceVersion: string } }>(
    'GET',
    `${collection}/${NAME}`,
  );
  let received = 0;
  let allReceived!: () => void;
  const everyEvent = new Promise<void>((resolve) => (allReceived = resolve));
  const watch = await client.watch(metadata.resourceVersion, () => ++received === count && allReceived());
  const start = process.cpuUsage();
  const writer = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--write', kubeconfigPath, String(count)],
    { stdio: 'inherit' },
  );
  const [code] = (await once(writer, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the writer process exited with ${code}`);
  await everyEvent;
  const cpuMs = cpuMsSince(start);
  watch.abort();
  return cpuMs / count;
}

async function createRequest(http: KubeHttp): Promise<void> {
  await http.request('POST', '/api/v1/namespaces', { body: { metadata: { name: NS } } });
  const body = {
    apiVersion: `${group}/${API_VERSION}`,
    kind,
    metadata: { name: NAME },
    spec: {
      targetingData: {
        signalFingerprint: 'fp:bench',
        alertName: 'HighMemoryUsage',
        environment: 'production',
        severity: 'critical',
      },
    },
  };
  for (let attempt = 0; ; attempt++) {
    try {
      await http.request('POST', collection, { body });
      return;
    } catch (err) {
      // Right after its CRD is installed the kind's storage may answer 429 for a moment.
      if ((err as { statusCode?: number }).statusCode !== 429 || attempt > 50) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function measure(count: number): Promise<void> {
  const plane = await startControlPlane({
    installCrds: true,
    controllerManager: false,
    log: (line) => console.error(line),
  });
  try {
    const admin = new KubeHttp(loadConfig(plane.kubeconfigPath));
    await createRequest(admin);
    const clients = [
      clientNode(loadConfig(plane.kubeconfigPath)),
      kubeHttp(loadConfig(plane.kubeconfigPath)),
    ];
    for (const client of clients) {
      await patchCost(client, WARMUP);
      await watchCost(client, admin, plane.kubeconfigPath, WARMUP);
    }
    const samples = new Map(clients.map((c) => [c.name, { patch: [] as number[], event: [] as number[] }]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const client of clients) {
        samples.get(client.name)!.patch.push(await patchCost(client, count));
        samples.get(client.name)!.event.push(await watchCost(client, admin, plane.kubeconfigPath, count));
      }
    }
    const median = (values: number[]): number =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const rows = [...samples].map(([client, s]) => ({
      client,
      'CPU ms per patch': +median(s.patch).toFixed(3),
      'CPU ms per watch event': +median(s.event).toFixed(3),
      'patch rounds': s.patch.map((v) => v.toFixed(3)).join(' '),
      'event rounds': s.event.map((v) => v.toFixed(3)).join(' '),
    }));
    console.log(
      `${count} status merge patches (~1 KB status) per measurement, ${IN_FLIGHT} in flight, median of ${ROUNDS} rounds, Node ${process.version}, ${cpus().length} cores`,
    );
    console.table(rows);
  } finally {
    await plane.stop();
  }
}

if (process.argv[2] === '--write') {
  const [, , , kubeconfigPath, count] = process.argv;
  await patchMany(kubeHttp(loadConfig(kubeconfigPath!)), Number(count));
} else {
  await measure(Number(process.argv[2] ?? 2000));
}
