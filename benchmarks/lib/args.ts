// The command line of `npm run bench` (benchmarks/run.ts, whose header lists the options): parsed,
// checked, and turned into the options every run of one invocation shares.
import { parseArgs } from 'node:util';
import type { BenchmarkOptions } from './settings.js';

const OPTIONS = {
  quick: { type: 'boolean' },
  ladder: { type: 'boolean' },
  report: { type: 'boolean' },
  count: { type: 'string' },
  rate: { type: 'string' },
  fingerprints: { type: 'string' },
  scenario: { type: 'string' },
  kubeconfig: { type: 'string' },
  out: { type: 'string' },
  qps: { type: 'string' },
  burst: { type: 'string' },
  'max-concurrent-writes': { type: 'string' },
  'create-concurrency': { type: 'string' },
  only: { type: 'string' },
  profile: { type: 'boolean' },
  'from-source': { type: 'boolean' },
  'skip-cleanup': { type: 'boolean' },
  timeout: { type: 'string' },
  'orchestrator-node-flags': { type: 'string' },
  'rate-for-steady': { type: 'string' },
  'memory-limit': { type: 'string' },
  'apf-seats': { type: 'string' },
  'as-pod': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseBenchArgs(args: string[]) {
  return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
}

export type BenchValues = ReturnType<typeof parseBenchArgs>['values'];

/** The flag's value as a positive number; undefined when the flag is absent. */
export function positive(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag}: "${v}" is not a positive number`);
  return n;
}

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A memory quantity as Kubernetes writes it ("576Mi", "1Gi", "600M", "603979776"), in whole bytes. */
export function parseMemorySize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text.trim());
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2] ?? '']!) : NaN;
  if (!(bytes > 0))
    throw new Error(`--memory-limit: "${text}" is not a memory size such as 576Mi, 1Gi or 600M`);
  return bytes;
}

/** V8's heap bounds: what the product sets from the cgroup's limit, and what would override that. */
export const HEAP_FLAG = /^--max[-_](old[-_]space|semi[-_]space|young[-_]generation|heap)[-_]size\b/;

/** The options every run of one invocation shares, checked against each other. */
export type CommonOptions = Omit<BenchmarkOptions, 'name' | 'kubeconfigPath' | 'count' | 'rate' | 'scenario'>;

export function commonOptions(values: BenchValues): CommonOptions {
  const nodeArgs = values['orchestrator-node-flags']?.split(/\s+/).filter(Boolean);
  const memoryLimit = values['memory-limit'];
  if (memoryLimit !== undefined) {
    parseMemorySize(memoryLimit);
    const heap = nodeArgs?.filter((f) => HEAP_FLAG.test(f)) ?? [];
    if (heap.length > 0)
      throw new Error(
        `--memory-limit lets the orchestrator size its heap from the cgroup, as in the chart's pod: drop ${heap.join(' ')} from --orchestrator-node-flags`,
      );
  }
  const apfSeats = positive('apf-seats', values['apf-seats']);
  if (apfSeats !== undefined && !Number.isInteger(apfSeats))
    throw new Error(`--apf-seats: "${values['apf-seats']}" is not a whole number`);
  if (apfSeats !== undefined && values.kubeconfig)
    throw new Error(
      '--apf-seats needs the benchmark to start its own local control plane (it adds an API user and reshapes API Priority and Fairness): not with --kubeconfig',
    );
  return {
    qps: values.qps === '0' ? 0 : positive('qps', values.qps),
    burst: positive('burst', values.burst),
    maxConcurrentWrites: positive('max-concurrent-writes', values['max-concurrent-writes']),
    createConcurrency: positive('create-concurrency', values['create-concurrency']),
    profile: values.profile ?? false,
    runFrom: values['from-source'] ? 'source' : 'dist',
    skipCleanup: (values['skip-cleanup'] ?? false) && !values.kubeconfig,
    ...(nodeArgs?.length ? { orchestratorNodeArgs: nodeArgs } : {}),
    ...(values.timeout ? { timeoutMs: positive('timeout', values.timeout)! * 1000 } : {}),
    ...(memoryLimit !== undefined ? { memoryLimit } : {}),
    ...(apfSeats !== undefined ? { apfSeats } : {}),
    ...(values['as-pod'] ? { asPod: true } : {}),
  };
}
