// The simulator as its own process, for the benchmarks and the demo:
//   npx tsx src/sim/main.ts --kubeconfig PATH [--namespaces a,b] [--scenario-file FILE.json]
//       [--scenario JSON] [--log-level debug|info|warn|error]
// Quiet by default: one line per status write only at debug level. Stops cleanly on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { withConnectionReuse } from '../k8s/connection-reuse.js';
import { pino } from 'pino';
import { DEFAULT_SCENARIO, mergeScenario, type ScenarioOverride } from './scenario.js';
import { startSimulator } from './simulator.js';

const USAGE =
  'usage: tsx src/sim/main.ts --kubeconfig PATH [--namespaces a,b] [--scenario-file FILE.json] [--scenario JSON] [--log-level debug|info|warn|error]';

function parseJson(text: string, what: string): ScenarioOverride {
  try {
    return JSON.parse(text) as ScenarioOverride;
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      namespaces: { type: 'string' },
      'scenario-file': { type: 'string' },
      scenario: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const logger = pino({ name: 'sim', level: values['log-level'] });
  if (!values.kubeconfig) throw new Error(`--kubeconfig is required\n${USAGE}`);

  // The file first, then --scenario over it; both checked now so that a typo fails at start.
  let scenario = DEFAULT_SCENARIO;
  if (values['scenario-file'])
    scenario = mergeScenario(
      scenario,
      parseJson(readFileSync(values['scenario-file'], 'utf8'), values['scenario-file']),
      values['scenario-file'],
    );
  if (values.scenario)
    scenario = mergeScenario(scenario, parseJson(values.scenario, '--scenario'), '--scenario');

  const kubeConfig = withConnectionReuse(new KubeConfig());
  kubeConfig.loadFromFile(values.kubeconfig);
  const namespaces = (values.namespaces ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);

  const sim = await startSimulator({
    kubeConfig,
    namespaces,
    defaultScenario: scenario,
    log: (line) => logger.debug(line),
    warn: (line) => logger.warn(line),
  });
  logger.info({ namespaces: namespaces.length ? namespaces : 'all' }, 'simulator started');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    sim.stop().then(
      () => {
        logger.info({ signal, ...sim.stats() }, 'simulator stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'simulator stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`sim: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
