import { expect } from 'chai';
import {
  ConfigError,
  configHelp,
  configSettings,
  defaultConfig,
  helpRequested,
  loadConfig,
} from '../../src/config.js';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', function () {
  describe('defaults', function () {
    it('uses the timeouts and retention of API.md', function () {
      const c = loadConfig([], {});
      expect(c.timeouts).to.deep.equal({
        global: 60 * 60_000,
        processing: 15 * 60_000,
        analyzing: 15 * 60_000,
        awaitingApproval: 15 * 60_000,
        workflowPlanning: 15 * 60_000,
        executing: 30 * 60_000,
      });
      expect(c.retention.afterCompletionMs).to.equal(24 * 3_600_000);
    });
    it('equals defaultConfig() when nothing is set', function () {
      expect(loadConfig([], {})).to.deep.equal(defaultConfig());
    });
    it('has the documented values for every group', function () {
      const c = defaultConfig();
      expect(c.kube).to.deep.equal({ namespaces: [], requestTimeoutMs: 30_000 });
      expect(c.notifications.channels).to.deep.equal(['slack']);
      expect(c.api).to.deep.equal({
        qps: 0,
        burst: 100,
        maxConcurrent: 32,
        maxRetries: 6,
        backoff: { initialMs: 100, maxMs: 30_000, jitter: 0.5 },
      });
      expect(c.informer).to.deep.equal({
        backoff: { initialMs: 250, maxMs: 30_000, jitter: 0.5 },
        pageSize: 500,
        syncTimeoutMs: 120_000,
      });
      expect(c.actors).to.deep.equal({
        restartBackoff: { initialMs: 500, maxMs: 60_000, jitter: 0.5 },
        maxRestarts: 10,
        phaseHistoryLimit: 50,
        recentlyFinishedCacheSize: 10_000,
        shutdownTimeoutMs: 10_000,
      });
      expect(c.server).to.deep.equal({ host: '0.0.0.0', port: 8080 });
      expect(c.log.level).to.equal('info');
      expect(c.status.progressIntervalMs).to.equal(10_000);
      expect(c.events.policy).to.equal('outcomes');
      expect(c.leaderElection).to.include({
        enabled: false,
        leaseName: 'remediation-orchestrator',
        leaseNamespace: 'default',
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
      });
    });
    it('returns a fresh object each time', function () {
      const a = defaultConfig();
      a.notifications.channels.push('email');
      expect(defaultConfig().notifications.channels).to.deep.equal(['slack']);
    });
  });

  describe('precedence', function () {
    it('takes a flag over its environment variable over the default', function () {
      const env = { ORCHESTRATOR_QPS: '20', ORCHESTRATOR_TIMEOUT_EXECUTING: '45m' };
      expect(loadConfig([], env).api.qps).to.equal(20);
      expect(loadConfig(['--qps=10'], env).api.qps).to.equal(10);
      expect(loadConfig(['--qps=10'], env).timeouts.executing).to.equal(45 * 60_000);
      expect(loadConfig(['--timeout-executing', '1h'], env).timeouts.executing).to.equal(3_600_000);
    });
    it('reads the platform variables KUBECONFIG, POD_NAMESPACE and POD_NAME', function () {
      const c = loadConfig([], {
        KUBECONFIG: '/k/config',
        POD_NAMESPACE: 'kubernaut-system',
        POD_NAME: 'ro-abc',
      });
      expect(c.kube.kubeconfig).to.equal('/k/config');
      expect(c.leaderElection.leaseNamespace).to.equal('kubernaut-system');
      expect(c.leaderElection.identity).to.equal('ro-abc');
      expect(
        loadConfig(['--leader-election-namespace=ops'], { POD_NAMESPACE: 'x' }).leaderElection.leaseNamespace,
      ).to.equal('ops');
    });
    it('treats an empty environment variable as unset', function () {
      expect(loadConfig([], { ORCHESTRATOR_QPS: '' }).api.qps).to.equal(0);
    });
    it('derives the Lease identity from the hostname and pid without POD_NAME', function () {
      expect(loadConfig([], { HOSTNAME: 'node-1' }, { pid: 42 }).leaderElection.identity).to.equal(
        'node-1_42',
      );
      expect(loadConfig([], {}, { hostname: 'box', pid: 7 }).leaderElection.identity).to.equal('box_7');
    });
    it('lets the last of repeated flags win', function () {
      expect(loadConfig(['--burst=5', '--burst=7'], {}).api.burst).to.equal(7);
    });
  });

  describe('parsing', function () {
    it('reads lists, addresses, levels and every timeout', function () {
      const c = loadConfig(
        [
          '--namespaces=team-a, team-b',
          '--notification-channels',
          'slack,email',
          '--metrics-bind-address=:9090',
          '--log-level=debug',
          '--timeout-global=2h',
          '--timeout-processing=1m',
          '--timeout-analyzing=2m',
          '--timeout-awaiting-approval=3m',
          '--timeout-workflow-planning=4m',
          '--retention=1h30m',
          '--context=kind-dev',
          '--status-progress-interval=5s',
          '--events=Transitions',
        ],
        {},
      );
      expect(c.status.progressIntervalMs).to.equal(5_000);
      expect(c.events.policy).to.equal('transitions');
      expect(c.kube).to.deep.equal({
        context: 'kind-dev',
        namespaces: ['team-a', 'team-b'],
        requestTimeoutMs: 30_000,
      });
      expect(c.notifications.channels).to.deep.equal(['slack', 'email']);
      expect(c.server).to.deep.equal({ host: '0.0.0.0', port: 9090 });
      expect(c.log.level).to.equal('debug');
      expect(c.timeouts).to.include({
        global: 7_200_000,
        processing: 60_000,
        analyzing: 120_000,
        awaitingApproval: 180_000,
        workflowPlanning: 240_000,
      });
      expect(c.retention.afterCompletionMs).to.equal(5_400_000);
    });
    it('reads host:port including IPv6 and port 0', function () {
      expect(loadConfig(['--metrics-bind-address=127.0.0.1:0'], {}).server).to.deep.equal({
        host: '127.0.0.1',
        port: 0,
      });
      expect(loadConfig(['--metrics-bind-address=[::1]:8080'], {}).server).to.deep.equal({
        host: '::1',
        port: 8080,
      });
    });
    it('reads booleans as a bare flag, with =, or from the environment', function () {
      expect(loadConfig(['--leader-elect'], {}).leaderElection.enabled).to.equal(true);
      expect(
        loadConfig(['--leader-elect=false'], { ORCHESTRATOR_LEADER_ELECT: 'true' }).leaderElection.enabled,
      ).to.equal(false);
      expect(loadConfig([], { ORCHESTRATOR_LEADER_ELECT: 'true' }).leaderElection.enabled).to.equal(true);
      expect(loadConfig(['--leader-elect', '--qps=5'], {}).api.qps).to.equal(5);
    });
    it('ignores --help, which helpRequested reports', function () {
      expect(() => loadConfig(['--help'], {})).not.to.throw();
      expect(helpRequested(['--qps=1', '-h'])).to.equal(true);
      expect(helpRequested(['--qps=1'])).to.equal(false);
    });
  });

  describe('errors name the setting, the value and the fix', function () {
    const cases: [string[], Record<string, string>, string, string, RegExp][] = [
      [
        ['--qps=fast'],
        {},
        '--qps',
        'fast',
        /^--qps: "fast" is not a whole number >= 0; write e\.g\. --qps=200$/,
      ],
      [
        [],
        { ORCHESTRATOR_QPS: '-1' },
        'ORCHESTRATOR_QPS',
        '-1',
        /^ORCHESTRATOR_QPS: "-1" is not a whole number >= 0; write e\.g\. ORCHESTRATOR_QPS=200$/,
      ],
      [
        ['--burst=0'],
        {},
        '--burst',
        '0',
        /--burst: "0" is not a whole number >= 1; write e\.g\. --burst=100/,
      ],
      [
        ['--burst=1.5'],
        {},
        '--burst',
        '1.5',
        /--burst: "1\.5" is not a whole number >= 1; write e\.g\. --burst=/,
      ],
      [
        ['--max-retries=-1'],
        {},
        '--max-retries',
        '-1',
        /"-1" is not a whole number >= 0; write e\.g\. --max-retries=6/,
      ],
      [
        ['--timeout-global=1d'],
        {},
        '--timeout-global',
        '1d',
        /--timeout-global: "1d" is not a Go duration .*; write e\.g\. --timeout-global=1h/,
      ],
      [
        ['--timeout-processing=0s'],
        {},
        '--timeout-processing',
        '0s',
        /"0s" is not longer than zero; write e\.g\. --timeout-processing=15m/,
      ],
      [
        [],
        { ORCHESTRATOR_TIMEOUT_EXECUTING: 'soon' },
        'ORCHESTRATOR_TIMEOUT_EXECUTING',
        'soon',
        /write e\.g\. ORCHESTRATOR_TIMEOUT_EXECUTING=30m/,
      ],
      [
        ['--metrics-bind-address=:70000'],
        {},
        '--metrics-bind-address',
        ':70000',
        /port 0-65535; write e\.g\. --metrics-bind-address=0\.0\.0\.0:8080/,
      ],
      [
        ['--metrics-bind-address=8080'],
        {},
        '--metrics-bind-address',
        '8080',
        /"8080" is not host:port; write e\.g\./,
      ],
      [
        ['--log-level=loud'],
        {},
        '--log-level',
        'loud',
        /"loud" is not a log level \(trace, debug, info, warn, error, fatal\); write e\.g\. --log-level=debug/,
      ],
      [
        ['--events=some'],
        {},
        '--events',
        'some',
        /"some" is not one of transitions, outcomes, none; write e\.g\. --events=transitions/,
      ],
      [
        ['--leader-elect=maybe'],
        {},
        '--leader-elect',
        'maybe',
        /"maybe" is not true or false; write e\.g\. --leader-elect=true/,
      ],
      [
        ['--namespaces=Team_A'],
        {},
        '--namespaces',
        'Team_A',
        /not a namespace name.*; write e\.g\. --namespaces=team-a,team-b/,
      ],
      [['--notification-channels=,'], {}, '--notification-channels', ',', /lists no channel; write e\.g\./],
      [
        ['--api-backoff-max=50ms'],
        {},
        '--api-backoff-max',
        '50ms',
        /is shorter than --api-backoff-initial \(100ms\); write e\.g\. --api-backoff-max=/,
      ],
    ];
    for (const [argv, env, setting, value, message] of cases) {
      it(`rejects ${argv.join(' ') || JSON.stringify(env)}`, function () {
        const err = errorOf(() => loadConfig(argv, env));
        expect(err.setting).to.equal(setting);
        expect(err.value).to.equal(value);
        expect(err.message).to.match(message);
        expect(err.code).to.equal('CONFIG_INVALID');
        expect(err.retryable).to.equal(false);
      });
    }
    it('rejects an unknown flag, listing the known ones', function () {
      const err = errorOf(() => loadConfig(['--qsp=5'], {}));
      expect(err.setting).to.equal('--qsp');
      expect(err.message).to.match(
        /^--qsp: unknown flag; write one of .*--qps.*--leader-elect.* \(see --help\)$/,
      );
    });
    it('rejects a flag without its value and a stray argument', function () {
      expect(errorOf(() => loadConfig(['--burst'], {})).message).to.equal(
        '--burst: no value given; write e.g. --burst=100',
      );
      expect(errorOf(() => loadConfig(['--qps', '--burst=3'], {})).message).to.match(
        /^--qps: no value given/,
      );
      expect(errorOf(() => loadConfig(['serve'], {})).message).to.match(/"serve": unexpected argument/);
    });
  });

  describe('ranges', function () {
    it('rejects a duration above its maximum, naming the flag, the value and the range', function () {
      const err = errorOf(() => loadConfig(['--timeout-global=200h'], {}));
      expect(err.setting).to.equal('--timeout-global');
      expect(err.value).to.equal('200h');
      expect(err.message).to.equal(
        '--timeout-global: "200h" is longer than 168h (allowed: 1ms to 168h); write e.g. --timeout-global=1h',
      );
    });
    it('rejects a retention too long for a Node timer, from the environment', function () {
      const err = errorOf(() => loadConfig([], { ORCHESTRATOR_RETENTION: '600h' }));
      expect(err.setting).to.equal('ORCHESTRATOR_RETENTION');
      expect(err.message).to.equal(
        'ORCHESTRATOR_RETENTION: "600h" is longer than 576h (allowed: 1ms to 576h); write e.g. ORCHESTRATOR_RETENTION=24h',
      );
    });
    it('rejects whole numbers and numbers above their maximum', function () {
      expect(errorOf(() => loadConfig(['--burst=10001'], {})).message).to.equal(
        '--burst: "10001" is more than 10000 (allowed: 1 to 10000); write e.g. --burst=100',
      );
      expect(errorOf(() => loadConfig([], { ORCHESTRATOR_QPS: '10001' })).message).to.equal(
        'ORCHESTRATOR_QPS: "10001" is more than 10000 (allowed: 0 to 10000); write e.g. ORCHESTRATOR_QPS=200',
      );
    });
    it('accepts exactly the maximum', function () {
      const c = loadConfig(['--timeout-global=168h', '--retention=576h', '--burst=10000', '--qps=10000'], {});
      expect(c.timeouts.global).to.equal(168 * 3_600_000);
      expect(c.retention.afterCompletionMs).to.equal(576 * 3_600_000);
      expect(c.api).to.include({ burst: 10_000, qps: 10_000 });
    });
    it('gives every number and duration a maximum, and no duration reaches a Node timer overflow', function () {
      const numeric = configSettings().filter((s) => ['duration', 'integer', 'number'].includes(s.kind));
      expect(numeric.length).to.be.greaterThan(20);
      for (const s of numeric) {
        expect(s.max, s.flag).to.be.a('number');
        if (s.kind === 'duration') expect(s.max!, s.flag).to.be.below(2 ** 31 - 1);
      }
    });
    it('refuses one more than the maximum of every setting', function () {
      for (const s of configSettings()) {
        if (s.max === undefined) continue;
        const above = s.kind === 'duration' ? `${s.max + 1}ms` : String(s.max + 1);
        const err = errorOf(() => loadConfig([`${s.flag}=${above}`], {}));
        expect(err.setting, s.flag).to.equal(s.flag);
        expect(err.message, s.flag).to.include(`"${above}" is `).and.include('(allowed: ');
      }
    });
  });

  describe('the settings table', function () {
    it('accepts every example and every default as written in --help', function () {
      for (const s of configSettings()) {
        expect(() => loadConfig([`${s.flag}=${s.example}`], {}), s.flag).not.to.throw();
      }
      const written = configSettings().filter((s) => !/ /.test(s.default));
      expect(written.length).to.be.greaterThan(30);
      const c = loadConfig(
        written.map((s) => `${s.flag}=${s.default}`),
        {},
      );
      expect(c).to.deep.equal(defaultConfig());
    });
    it('names each flag and environment variable once', function () {
      const settings = configSettings();
      expect(new Set(settings.map((s) => s.flag)).size).to.equal(settings.length);
      expect(new Set(settings.map((s) => s.env)).size).to.equal(settings.length);
      expect(new Set(settings.map((s) => s.path)).size).to.equal(settings.length);
    });
  });

  describe('leader election timings', function () {
    it('requires renewDeadline < leaseDuration', function () {
      const err = errorOf(() => loadConfig(['--leader-election-renew-deadline=15s'], {}));
      expect(err.message).to.equal(
        '--leader-election-renew-deadline: "15s" is not shorter than --leader-election-lease-duration (15s); write e.g. --leader-election-renew-deadline=7.5s',
      );
    });
    it('blames the lease duration when only it was set', function () {
      const err = errorOf(() => loadConfig([], { ORCHESTRATOR_LEADER_ELECTION_LEASE_DURATION: '5s' }));
      expect(err.setting).to.equal('ORCHESTRATOR_LEADER_ELECTION_LEASE_DURATION');
      expect(err.message).to.match(
        /"5s" is not longer than --leader-election-renew-deadline \(10s\); write e\.g\. ORCHESTRATOR_LEADER_ELECTION_LEASE_DURATION=20s$/,
      );
    });
    it('requires retryPeriod < renewDeadline', function () {
      const err = errorOf(() => loadConfig(['--leader-election-retry-period=10s'], {}));
      expect(err.message).to.match(
        /^--leader-election-retry-period: "10s" is not shorter than --leader-election-renew-deadline \(10s\); write e\.g\./,
      );
    });
    it('accepts consistent custom timings', function () {
      const c = loadConfig(
        [
          '--leader-election-lease-duration=60s',
          '--leader-election-renew-deadline=40s',
          '--leader-election-retry-period=5s',
        ],
        {},
      );
      expect(c.leaderElection).to.include({
        leaseDurationMs: 60_000,
        renewDeadlineMs: 40_000,
        retryPeriodMs: 5_000,
      });
    });
  });

  describe('help', function () {
    it('lists every flag with its environment variable, default, range and why', function () {
      const help = configHelp();
      const settings = configSettings();
      expect(settings.length).to.be.greaterThan(30);
      for (const s of settings) {
        expect(help, s.flag).to.include(s.flag);
        expect(help, s.env).to.include(`env ${s.env}; default ${s.default}; accepts ${s.accepts}`);
        expect(help, s.flag).to.include(s.why);
      }
      expect(help).to.include('--help');
    });
    it('lists only flags that loadConfig accepts', function () {
      for (const s of configSettings()) {
        const err = (() => {
          try {
            loadConfig([`${s.flag}=@@`], {});
          } catch (e) {
            return e as Error;
          }
          return undefined;
        })();
        expect(err?.message ?? '', s.flag).not.to.match(/unknown flag/);
      }
    });
  });
});
