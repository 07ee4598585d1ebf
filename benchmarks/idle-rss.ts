// The idle rung of the benchmark: resident memory of the orchestrator built (dist/main.js) on an empty
// namespace, settled for 15 s, in the ways it can reach its API server:
//   kubeconfig       --kubeconfig: @kubernetes/client-node loaded for its auth support
//   pod              as in a pod (lib/pod.ts): KUBERNETES_SERVICE_* and the ServiceAccount's token and
//                    CA under /var/run/secrets (a private mount namespace, so root and unshare(1) are needed)
//   pod, leader      the same with --leader-elect, as the chart runs it
// Each with the heap flags the chart's 576Mi limit gives (src/util/cgroup-memory.ts), as in the pod.
// Run: npm run build && node --import tsx benchmarks/idle-rss.ts [--kubeconfig PATH] [--out FILE]
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp } from '../src/k8s/kube-http.js';
import { startControlPlane } from '../src/testing/index.js';
import { freePort } from '../src/testing/processes.js';
import { heapFlagsFor } from '../src/util/cgroup-memory.js';
import { gitInfo, machineInfo } from './lib/environment.js';
import { launchCommand, launchEnv, type Launch } from './lib/launch.js';
import { parsePrometheus, scrape } from './lib/metrics.js';
import { podAccessFrom, PodIdentity, podUnavailable } from './lib/pod.js';
import { readProc } from './lib/proc.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const NAMESPACE = 'idle-rss';
const CHART_LIMIT = 576 * 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

interface Variant {
  name: string;
  /** node and its arguments. */
  argv: string[];
  launch: Launch;
}

async function measure(v: Variant): Promise<Record<string, unknown>> {
  const port = await freePort();
  const [file, ...args] = launchCommand([...v.argv, `--metrics-bind-address=127.0.0.1:${port}`], v.launch);
  const child = spawn(file!, args, {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...launchEnv(process.env, v.launch), KUBECONFIG: '' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    for (let waited = 0; ; waited += 200) {
      if (child.exitCode !== null) throw new Error(`${v.name}: exited ${child.exitCode}: ${stderr}`);
      if (waited > 90_000) throw new Error(`${v.name}: not ready within 90 s: ${stderr}`);
      const ready = await scrape(port, '/readyz', 1000).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      await sleep(200);
    }
    await sleep(15_000);
    // The node process: the child itself, or under unshare the process it execs into (same pid).
    const rss: number[] = [];
    for (let i = 0; i < 5; i++) {
      rss.push(readProc(child.pid!)?.rssBytes ?? 0);
      await sleep(1000);
    }
    const samples = parsePrometheus((await scrape(port)).body);
    const heap = samples.find((s) => s.name === 'nodejs_heap_size_used_bytes')?.value ?? 0;
    return { name: v.name, rssMiB: mb(rss.sort((a, b) => a - b)[2]!), heapUsedMiB: mb(heap) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, out: { type: 'string' } } });
  if (!existsSync(join(root, 'dist/main.js'))) throw new Error('dist/main.js is missing: npm run build');
  const plane = values.kubeconfig ? undefined : await startControlPlane({ installCrds: true });
  const kubeconfigPath = values.kubeconfig ?? plane!.kubeconfigPath;
  let identity: PodIdentity | undefined;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    await new KubeHttp(kc)
      .request('POST', '/api/v1/namespaces', { body: { metadata: { name: NAMESPACE } } })
      .catch(() => undefined);
    const heap = heapFlagsFor(CHART_LIMIT);
    const node = [process.execPath, ...heap, 'dist/main.js', `--namespaces=${NAMESPACE}`, '--log-level=warn'];
    const variants: Variant[] = [
      { name: 'kubeconfig', argv: [...node, `--kubeconfig=${kubeconfigPath}`], launch: {} },
    ];
    try {
      const why = podUnavailable();
      if (why) throw new Error(why);
      identity = PodIdentity.create(podAccessFrom(kubeconfigPath));
      const pod: Launch = { pod: identity };
      variants.push(
        { name: 'pod', argv: node, launch: pod },
        {
          name: 'pod, leader',
          argv: [...node, '--leader-elect', `--leader-election-namespace=${NAMESPACE}`],
          launch: pod,
        },
      );
    } catch (err) {
      process.stderr.write(`in-pod variants skipped: ${(err as Error).message}\n`);
    }
    const results = [];
    for (const v of variants) {
      const r = await measure(v);
      process.stderr.write(`${JSON.stringify(r)}\n`);
      results.push(r);
    }
    const out = {
      benchmark: 'idle-rss',
      date: new Date().toISOString(),
      machine: { ...machineInfo(), loadAverage: (await import('node:os')).loadavg() },
      git: gitInfo(),
      heapFlags: heap,
      results,
    };
    const file = values.out ?? join(root, `benchmarks/results/idle-rss-${out.date.slice(0, 10)}.json`);
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    process.stderr.write(`wrote ${file}\n`);
  } finally {
    identity?.remove();
    await plane?.stop();
  }
}

await main();
