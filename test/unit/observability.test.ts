import { expect } from 'chai';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import {
  createLogger,
  createMetrics,
  startHealthServer,
  type HealthServer,
} from '../../src/observability/index.js';

const METRIC_NAMES = {
  phaseTransitions: 'remediation_phase_transitions_total',
  phaseDuration: 'remediation_phase_duration_seconds',
  activeRequests: 'remediation_active_requests',
  outcomes: 'remediation_outcomes_total',
  statusUpdates: 'remediation_status_updates_total',
  childCreationLatency: 'remediation_child_creation_duration_seconds',
  apiRequests: 'remediation_api_requests_total',
  apiRequestDuration: 'remediation_api_request_duration_seconds',
  apiQueueDepth: 'remediation_api_writer_queue_depth',
  mailboxDepth: 'remediation_actor_mailbox_depth',
  actors: 'remediation_actors',
  actorRestarts: 'remediation_actor_restarts_total',
  actorsStopped: 'remediation_actors_stopped_total',
  informerEvents: 'remediation_informer_events_total',
  informerErrors: 'remediation_informer_errors_total',
  notifications: 'remediation_notifications_total',
  timeouts: 'remediation_timeouts_total',
  isLeader: 'remediation_leader',
} as const;

describe('observability', function () {
  describe('metrics', function () {
    it('registers every metric under its documented name', async function () {
      const metrics = createMetrics();
      for (const [member, name] of Object.entries(METRIC_NAMES)) {
        // prom-client strips the _total suffix of counters from the metric's own name.
        const metric =
          metrics.registry.getSingleMetric(name) ??
          metrics.registry.getSingleMetric(name.replace(/_total$/, ''));
        expect(metric, name).to.equal(metrics[member as keyof typeof METRIC_NAMES]);
      }
      const text = await metrics.registry.metrics();
      for (const name of Object.values(METRIC_NAMES)) expect(text, name).to.include(`# HELP ${name}`);
    });
    it('records labelled values in the Prometheus text format', async function () {
      const metrics = createMetrics();
      metrics.phaseTransitions.inc({ from: 'Processing', to: 'Analyzing' });
      metrics.apiRequests.inc({ verb: 'create', kind: 'AIAnalysis', code: '201' });
      metrics.phaseDuration.observe({ phase: 'Processing' }, 3);
      metrics.isLeader.set(1);
      const text = await metrics.registry.metrics();
      expect(text).to.include('remediation_phase_transitions_total{from="Processing",to="Analyzing"} 1');
      expect(text).to.include('remediation_api_requests_total{verb="create",kind="AIAnalysis",code="201"} 1');
      expect(text).to.include('remediation_phase_duration_seconds_bucket{le="7200",phase="Processing"} 1');
      expect(text).to.include('remediation_leader 1');
    });
    it('includes the process metrics', async function () {
      const text = await createMetrics().registry.metrics();
      expect(text).to.include('process_cpu_user_seconds_total');
      expect(text).to.include('process_resident_memory_bytes');
    });
    it('builds independent instances that never clash', async function () {
      const a = createMetrics();
      const b = createMetrics();
      a.actorRestarts.inc();
      expect(a.registry).not.to.equal(b.registry);
      expect(await b.registry.metrics()).to.include('remediation_actor_restarts_total 0');
      expect(await a.registry.metrics()).to.include('remediation_actor_restarts_total 1');
    });
    it('uses the registry it is given', function () {
      const registry = new Registry();
      expect(createMetrics(registry).registry).to.equal(registry);
      expect(registry.getSingleMetric('remediation_leader')).not.to.equal(undefined);
    });
  });

  describe('logger', function () {
    it('writes JSON lines with the service, an ISO time and child bindings', function () {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const logger = createLogger({ level: 'info', destination: sink });
      logger
        .child({ namespace: 'ns', name: 'rr-1', uid: 'u-1' })
        .info({ phase: 'Processing' }, 'phase entered');
      logger.debug('hidden below info');
      expect(lines).to.have.length(1);
      const line = JSON.parse(lines[0]!) as Record<string, unknown>;
      expect(line).to.include({
        service: 'remediation-orchestrator',
        level: 'info',
        namespace: 'ns',
        name: 'rr-1',
        uid: 'u-1',
        phase: 'Processing',
        msg: 'phase entered',
      });
      expect(line.time)
        .to.be.a('string')
        .and.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });
  });

  describe('health server', function () {
    let server: HealthServer | undefined;
    let ready: true | string = 'informers not synced';
    let live: true | string = true;
    afterEach(async function () {
      await server?.close();
      server = undefined;
    });
    async function start(): Promise<string> {
      const metrics = createMetrics();
      metrics.isLeader.set(1);
      server = await startHealthServer({
        host: '127.0.0.1',
        port: 0,
        registry: metrics.registry,
        live: () => live,
        ready: () => ready,
      });
      return `http://127.0.0.1:${server.port}`;
    }

    it('picks a free port when asked for port 0', async function () {
      await start();
      expect(server!.port).to.be.greaterThan(0);
    });
    it('serves /metrics in the Prometheus text format', async function () {
      const base = await start();
      const res = await fetch(`${base}/metrics`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      expect(await res.text()).to.include('remediation_leader 1');
    });
    it('answers the probes with 200 ok or 503 and the reason', async function () {
      live = true;
      ready = 'informers not synced';
      const base = await start();
      let res = await fetch(`${base}/healthz`);
      expect([res.status, await res.text()]).to.deep.equal([200, 'ok\n']);
      res = await fetch(`${base}/readyz`);
      expect([res.status, await res.text()]).to.deep.equal([503, 'informers not synced\n']);
      ready = true;
      live = 'event loop blocked';
      res = await fetch(`${base}/readyz`);
      expect([res.status, await res.text()]).to.deep.equal([200, 'ok\n']);
      res = await fetch(`${base}/healthz`);
      expect([res.status, await res.text()]).to.deep.equal([503, 'event loop blocked\n']);
    });
    it('answers 404 elsewhere and 405 for other methods', async function () {
      const base = await start();
      expect((await fetch(`${base}/`)).status).to.equal(404);
      expect((await fetch(`${base}/metricsx`)).status).to.equal(404);
      expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).to.equal(405);
    });
    it('reports an address that cannot be bound', async function () {
      const base = await start();
      const port = Number(new URL(base).port);
      const attempt = startHealthServer({
        host: '127.0.0.1',
        port,
        registry: new Registry(),
        live: () => true,
        ready: () => true,
      });
      let message = '';
      await attempt.then(
        (s) => s.close(),
        (err: Error) => {
          message = err.message;
        },
      );
      expect(message).to.match(
        /cannot serve metrics and probes on 127\.0\.0\.1:\d+: .*EADDRINUSE.*--metrics-bind-address/,
      );
    });
    it('closes even with a keep-alive connection open', async function () {
      const base = await start();
      await (await fetch(`${base}/healthz`, { headers: { connection: 'keep-alive' } })).text();
      await server!.close();
      server = undefined;
    });
  });
});
