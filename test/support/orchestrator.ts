// Runs the orchestrator in-process against the test control plane, through the same factory as main.ts.
import type { KubeConfig } from '@kubernetes/client-node';
import { defaultConfig, type Config } from '../../src/config.js';
import { createLogger, createMetrics, type Metrics } from '../../src/observability/index.js';
import { buildOrchestrator, type Orchestrator } from '../../src/orchestrator.js';
import { systemClock } from '../../src/util/clock.js';
import { STORM_OFF } from './storm-settings.js';

export interface RunningOrchestrator extends Orchestrator {
  metrics: Metrics;
  config: Config;
}

/** Every storm-protection rule off. */
export { STORM_OFF };

export async function startOrchestrator(
  kubeConfig: KubeConfig,
  namespaces: string[],
  adjust: (c: Config) => void = () => {},
): Promise<RunningOrchestrator> {
  const config = defaultConfig();
  config.kube.namespaces = namespaces;
  config.api.backoff = { initialMs: 50, maxMs: 2000, jitter: 0.5 };
  config.informer.backoff = { initialMs: 100, maxMs: 2000, jitter: 0.5 };
  // The fixtures share one fingerprint and one target: tests of anything but storm protection turn
  // its rules off (test/integration/storm.test.ts turns each on).
  config.storm = { ...STORM_OFF };
  adjust(config);
  const metrics = createMetrics();
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });
  const orchestrator = buildOrchestrator({ kubeConfig, config, clock: systemClock, logger, metrics });
  await orchestrator.start();
  return Object.assign(orchestrator, { metrics, config });
}
