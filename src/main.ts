// The process: configuration, logger, metrics and health server, leader election, the orchestrator.
// Environment and flags are read here and nowhere else.
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError, configHelp, helpRequested, loadConfig, type Config } from './config.js';
import { KubeHttp } from './k8s/kube-http.js';
import { LeaderElector, type LeaderElectorOptions } from './k8s/leader-election.js';
import { leaseClient } from './k8s/lease-client.js';
import { createLogger, createMetrics, startHealthServer } from './observability/index.js';
import { buildOrchestrator } from './orchestrator.js';
import { systemClock, type Clock } from './util/clock.js';

/** The renew deadline is measured on this clock: a wall clock set back or forward must not move it. */
const monotonicClock: Clock = { ...systemClock, now: () => performance.now() };

function kubeConfigFor(config: Config): KubeConfig {
  const kc = new KubeConfig();
  if (config.kube.kubeconfig) kc.loadFromFile(config.kube.kubeconfig);
  else kc.loadFromDefault();
  if (config.kube.context) kc.setCurrentContext(config.kube.context);
  return kc;
}

function leaderElectorOptions(config: Config): LeaderElectorOptions {
  const { leaseName, leaseNamespace, identity, leaseDurationMs, renewDeadlineMs, retryPeriodMs } =
    config.leaderElection;
  return { leaseName, leaseNamespace, identity, leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}

/**
 * Fault injection for the crash tests: with ORCHESTRATOR_TEST_CRASH_AFTER_WRITES=N the process kills
 * itself with SIGKILL right after its N-th successful write to a remediation resource, so that every
 * point between two writes can be tested. Unset in production.
 */
function crashInjector(
  setting: string | undefined,
): ((verb: string, kind: string, code: string) => void) | undefined {
  const limit = setting ? Number(setting) : 0;
  if (!Number.isInteger(limit) || limit <= 0) return undefined;
  let writes = 0;
  return (verb, kind, code) => {
    if (verb === 'get' || verb === 'list' || kind === 'Event' || !code.startsWith('2')) return;
    if (++writes >= limit) process.kill(process.pid, 'SIGKILL');
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (helpRequested(argv)) {
    process.stdout.write(`${configHelp()}\n`);
    return;
  }
  let config: Config;
  try {
    config = loadConfig(argv, process.env, { hostname: hostname(), pid: process.pid });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`remediation-orchestrator: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.log.level });
  const metrics = createMetrics();
  const kubeConfig = kubeConfigFor(config);
  const { leaseNamespace, leaseName } = config.leaderElection;
  const elector = config.leaderElection.enabled
    ? new LeaderElector(leaderElectorOptions(config), {
        leases: leaseClient(new KubeHttp(kubeConfig, { unfenced: true }), leaseNamespace, leaseName),
        clock: monotonicClock,
        log: logger,
      })
    : undefined;
  const orchestrator = buildOrchestrator({
    kubeConfig,
    config,
    clock: systemClock,
    logger,
    metrics,
    onApiRequest: crashInjector(process.env.ORCHESTRATOR_TEST_CRASH_AFTER_WRITES),
    fence: elector && (() => elector.isLeader),
  });
  const server = await startHealthServer({
    host: config.server.host,
    port: config.server.port,
    registry: metrics.registry,
    live: () => true,
    ready: () => (elector && !elector.isLeader ? true : orchestrator.readiness()),
  });
  logger.info(
    { port: server.port, namespaces: config.kube.namespaces, leaderElection: config.leaderElection.enabled },
    'remediation-orchestrator starting',
  );

  let stopping = false;
  const shutdown = async (code: number, why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'shutting down');
    const force = setTimeout(() => process.exit(code), config.actors.shutdownTimeoutMs + 2000);
    force.unref();
    await orchestrator.stop();
    await elector?.release();
    await server.close();
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown(0, 'SIGTERM'));
  process.once('SIGINT', () => void shutdown(0, 'SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

  if (elector) {
    metrics.isLeader.set(0);
    // Like controller-runtime: a leader that loses its Lease exits at once, so two never write. The
    // writer's fence has already refused every write since the moment the renew deadline passed.
    elector.onLost((why) => {
      metrics.isLeader.set(0);
      orchestrator.supervisor.stop();
      logger.error({ why }, 'leadership lost; exiting so that only one replica writes');
      process.exit(1);
    });
    if (!(await elector.acquire())) return;
    metrics.isLeader.set(1);
  }
  try {
    await orchestrator.start();
  } catch (err) {
    // Stalled, not silent: say why, and hand the Lease to a replica that may do better.
    logger.error({ err }, 'could not start');
    orchestrator.supervisor.stop();
    orchestrator.caches.stop();
    await elector?.release();
    throw err;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `remediation-orchestrator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
