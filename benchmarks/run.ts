// `npm run bench -- [options]`: the load benchmark of the remediation orchestrator.
//   --quick                 ~60 requests, zero delays: checks the benchmark works (under 3 minutes)
//   --count N               requests (default 1000)
//   --rate R                create R requests per second (default: all at once)
//   --fingerprints F        an alert storm: the requests repeat F problems (fingerprint and target),
//                           severity warning; the result reports what storm protection made of them
//   --scenario zero|realistic|JSON   the simulator's delays (default zero)
//   --ladder                the full ladder: 100, 1,000, 10,000 at once (zero delays), 1,000 realistic,
//                           a steady-rate run with ~1,000 in flight, and an alert storm (10,000
//                           requests for 50 fingerprints within a minute); results under benchmarks/results/
//   --kubeconfig PATH       use this cluster instead of starting a local control plane
//   --out FILE              where to write the result JSON (default: a temp file; the ladder: results/)
//   --qps Q --burst B --max-concurrent-writes C   the orchestrator's write limits (default: its own,
//                           0/100/32: no fixed rate, the adaptive limit; --qps 0 = no fixed rate)
//   --timeout S             stop waiting for requests to finish after S seconds (the result says how many did)
//   --skip-cleanup          leave the benchmark's namespace in place (only with a local control plane,
//                           which is thrown away afterwards; deleting 10,000 requests takes minutes)
//   --from-source           run the orchestrator and simulator from src/ through tsx, not compiled to dist/
//   --profile               run the orchestrator under node --cpu-prof; the result says where its CPU went
//   --orchestrator-node-flags="F ..."   extra node flags for the orchestrator (note the "=": the value starts
//                           with a dash), e.g. --orchestrator-node-flags=--max-old-space-size=256
//                           (with --ladder the flag's value is appended to each run's name)
//   --only NAME,...         with --ladder: run only these steps (a name also matches its prefix: "steady")
//   --rate-for-steady R,... with --ladder: the steady run's rate, or several rates for one steady run each
//                           (default 70% of burst-1000-zero's N / drain)
//   --memory-limit SIZE     run the orchestrator in a fresh memory cgroup with this limit (e.g. 576Mi, the
//                           chart's resources.limits.memory) and no heap flags or NODE_OPTIONS of its own,
//                           so that it sizes its heap as in the chart's pod; needs root; name gets -mem576Mi
//   --apf-seats N           the orchestrator runs as its own API user whose writes get an APF priority level
//                           of N seats (queue 2), so that the API server answers 429 under load; only with
//                           the benchmark's own control plane (not --kubeconfig); name gets -apfN
//   --as-pod                the orchestrator runs as in a pod: no --kubeconfig, so no client-node in memory;
//                           its kubeconfig's token and CA (with --apf-seats its own user's) as its
//                           ServiceAccount's, in a mount namespace of its own; needs root, unshare(1) and
//                           a token kubeconfig (the local control plane's); name gets -pod
//   --report FILE...        regenerate the chart and summary from result JSON files, run nothing
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../src/testing/index.js';
import {
  commonOptions,
  parseBenchArgs,
  parseMemorySize,
  positive as num,
  type CommonOptions,
} from './lib/args.js';
import { runBenchmark, type BenchmarkOptions, type BenchmarkResult } from './lib/benchmark.js';
import { MemoryCgroup } from './lib/cgroup.js';
import { renderChart } from './lib/chart.js';
import { assertCanRunAsPod, podAccessFrom } from './lib/pod.js';
import { SCENARIOS } from './lib/scenarios.js';
import { apiTable, printable, stormTable, summaryTable } from './lib/summary.js';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, 'results');
const say = (line: string): void => void process.stderr.write(`${line}\n`);

const { values, positionals } = parseBenchArgs(process.argv.slice(2));

if (values.help) {
  const text = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  console.log(
    text
      .slice(
        0,
        text.findIndex((l) => !l.startsWith('//')),
      )
      .map((l) => l.slice(3))
      .join('\n'),
  );
  process.exit(0);
}

function writeReport(results: BenchmarkResult[], stem: string): void {
  writeFileSync(join(resultsDir, `${stem}.svg`), renderChart(results));
  const storms = stormTable(results);
  writeFileSync(
    join(resultsDir, `${stem}.md`),
    `${summaryTable(results)}\n\nAPI requests per remediation by verb and kind:\n\n${apiTable(results)}\n` +
      (storms ? `\nAlert storms (storm protection at its defaults):\n\n${storms}\n` : ''),
  );
  say(`wrote ${join(resultsDir, `${stem}.svg`)} and ${stem}.md`);
}

if (values.report) {
  const results = positionals.map((f) => JSON.parse(readFileSync(f, 'utf8')) as BenchmarkResult);
  mkdirSync(resultsDir, { recursive: true });
  writeReport(results, values.out ?? 'ladder');
  process.exit(0);
}

let common: CommonOptions;
try {
  common = commonOptions(values);
} catch (err) {
  say(`bench: ${(err as Error).message}`);
  process.exit(2);
}
/** The orchestrator's own API user with --apf-seats. */
const ORCHESTRATOR_USER = 'ro-bench-orchestrator';

let plane: ControlPlane | undefined;
async function kubeconfigPath(): Promise<string> {
  if (values.kubeconfig) return values.kubeconfig;
  plane = await startControlPlane({
    installCrds: true,
    log: say,
    users: common.apfSeats === undefined ? [] : [ORCHESTRATOR_USER],
  });
  return plane.kubeconfigPath;
}

/** With --apf-seats, the orchestrator's own user of the local control plane. */
async function orchestratorUser(): Promise<BenchmarkOptions['orchestratorUser']> {
  if (common.apfSeats === undefined) return undefined;
  if (!plane?.local)
    throw new Error('--apf-seats needs a local control plane (KUBECONFIG_TEST names another)');
  return {
    name: ORCHESTRATOR_USER,
    kubeconfigPath: await plane.writeKubeconfig({ user: ORCHESTRATOR_USER }),
  };
}

/** Scales the realistic scenario's delays so that its simulated work takes `seconds`. */
function realisticFor(seconds: number): string {
  const base = SCENARIOS.realistic!;
  const total = 2000 + 5000 + 1000 + 3 * 3000;
  const f = (seconds * 1000) / total;
  const scale = (ms: number): number => Math.round(ms * f);
  return JSON.stringify({
    ...base,
    processing: { delayMs: scale(2000) },
    analysis: { delayMs: scale(5000) },
    workflow: { delayMs: scale(1000) },
    execution: { delayMs: scale(3000) },
    notification: { delayMs: scale(1000) },
  });
}

async function main(): Promise<void> {
  // Before the control plane starts: a cgroup that cannot be made fails the run in a second, not a minute.
  if (common.memoryLimit !== undefined)
    await MemoryCgroup.create(parseMemorySize(common.memoryLimit)).remove();
  if (common.asPod) assertCanRunAsPod();
  const kubeconfig = await kubeconfigPath();
  const asUser = await orchestratorUser();
  // A --kubeconfig without a static token fails here, before any run.
  if (common.asPod) podAccessFrom(asUser?.kubeconfigPath ?? kubeconfig);
  const shared = { ...common, ...(asUser ? { orchestratorUser: asUser } : {}) };
  if (!values.ladder) {
    const options: BenchmarkOptions = values.quick
      ? {
          name: 'quick',
          kubeconfigPath: kubeconfig,
          count: num('count', values.count) ?? 60,
          scenario: values.scenario ?? 'zero',
          ...shared,
        }
      : {
          kubeconfigPath: kubeconfig,
          count: num('count', values.count) ?? 1000,
          rate: num('rate', values.rate),
          fingerprints: num('fingerprints', values.fingerprints),
          scenario: values.scenario ?? 'zero',
          ...shared,
        };
    const result = await runBenchmark(options);
    const out =
      values.out ?? join(tmpdir(), `bench-${result.date.replace(/[:.]/g, '-')}-${result.name}.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
    say(printable(result));
    say(`result: ${out}`);
    return;
  }

  // The ladder. Each run's JSON goes to results/ as soon as it is done, so that a later failure
  // keeps the earlier runs.
  mkdirSync(resultsDir, { recursive: true });
  const day = new Date().toISOString().slice(0, 10);
  const results: BenchmarkResult[] = [];
  const suffix = (common.orchestratorNodeArgs ?? [])
    .map((f) => `-${f.replace(/^-+/, '').replace(/[^a-zA-Z0-9]+/g, '-')}`)
    .join('');
  const run = async (
    options: Omit<BenchmarkOptions, 'kubeconfigPath'>,
  ): Promise<BenchmarkResult | undefined> => {
    const stepName = options.name ?? '';
    if (values.only && !values.only.split(',').some((o) => stepName === o || stepName.startsWith(`${o}-`)))
      return undefined;
    const started = performance.now();
    try {
      const result = await runBenchmark({
        kubeconfigPath: kubeconfig,
        ...options,
        ...shared,
        name: `${options.name}${suffix}`,
      });
      const file = join(resultsDir, `${day}-${result.name}.json`);
      writeFileSync(file, `${JSON.stringify(result, null, 1)}\n`);
      say(printable(result));
      say(`result: ${file} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      results.push(result);
      return result;
    } catch (err) {
      say(
        `bench ${options.name}: FAILED after ${((performance.now() - started) / 1000).toFixed(0)} s: ${err instanceof Error ? err.stack : String(err)}`,
      );
      return undefined;
    }
  };
  await run({ name: 'burst-100-zero', count: 100, scenario: 'zero' });
  const burst1000 = await run({ name: 'burst-1000-zero', count: 1000, scenario: 'zero' });
  await run({
    name: 'burst-10000-zero',
    count: 10_000,
    scenario: 'zero',
    timeoutMs: 20 * 60_000,
    cleanupTimeoutMs: 10 * 60_000,
  });
  await run({ name: 'burst-1000-realistic', count: 1000, scenario: 'realistic' });
  // The steady run: 70% of the saturation rate, with the simulated work stretched so that about
  // 1,000 requests are in flight (Little's law). The saturation rate is what the 1,000 burst drains
  // per second (N / drain): in a burst all requests finish together, so its "sustained" figure is the
  // completion burst, not a rate the system can keep up.
  const saturation = burst1000?.throughput.overallPerSecond ?? 10;
  const given = values['rate-for-steady']?.split(',').map((r) => num('rate-for-steady', r.trim())!);
  for (const rate of given ?? [Math.max(1, Math.round(saturation * 0.7))]) {
    const workSeconds = Math.max(5, 1000 / rate);
    const count = Math.round(rate * (workSeconds + 60));
    await run({
      name: `steady-${rate}per-s-realistic`,
      count,
      rate,
      scenario: realisticFor(workSeconds),
      timeoutMs: (count / rate + workSeconds * 3 + 120) * 1000,
    });
  }
  // An alert storm: 10,000 requests for 50 problems within a minute. Storm protection should run
  // 50 remediations, send at most 51 notifications and suppress the rest at <= 3 writes each.
  await run({
    name: 'storm-10000-50fp',
    count: 10_000,
    rate: 10_000 / 60,
    fingerprints: 50,
    scenario: 'zero',
    timeoutMs: 20 * 60_000,
    cleanupTimeoutMs: 10 * 60_000,
  });
  if (results.length > 0) writeReport(results, `${day}-ladder`);
}

try {
  await main();
} catch (err) {
  say(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
} finally {
  await plane?.stop();
}
