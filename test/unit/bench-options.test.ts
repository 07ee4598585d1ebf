import { expect } from 'chai';
import { commonOptions, parseBenchArgs, parseMemorySize } from '../../benchmarks/lib/args.js';
import { heapFlagsIn } from '../../benchmarks/lib/proc.js';
import { nameSuffix } from '../../benchmarks/lib/settings.js';

const common = (...args: string[]) => commonOptions(parseBenchArgs(args).values);

describe('benchmark options', function () {
  it('reads memory sizes as Kubernetes writes them', function () {
    expect(parseMemorySize('576Mi')).to.equal(576 * 2 ** 20);
    expect(parseMemorySize('1Gi')).to.equal(2 ** 30);
    expect(parseMemorySize('1.5Gi')).to.equal(1.5 * 2 ** 30);
    expect(parseMemorySize('600M')).to.equal(600e6);
    expect(parseMemorySize('64k')).to.equal(64_000);
    expect(parseMemorySize('603979776')).to.equal(603_979_776);
    for (const bad of ['', '0', '0Mi', '576MB', '576mi', '-1Gi', 'Mi', '1 Gi x'])
      expect(() => parseMemorySize(bad), bad).to.throw(/not a memory size/);
  });

  it('takes --memory-limit and --apf-seats into every run, and names them in the run', function () {
    const options = common('--memory-limit', '576Mi', '--apf-seats', '1', '--count', '60');
    expect(options).to.include({ memoryLimit: '576Mi', apfSeats: 1 });
    expect(nameSuffix(options)).to.equal('-mem576Mi-apf1');
    expect(nameSuffix({})).to.equal('');
    expect(common('--count', '60')).to.not.have.any.keys('memoryLimit', 'apfSeats');
  });

  it('takes --as-pod into every run and names it first in the run', function () {
    const options = common('--as-pod', '--memory-limit', '576Mi', '--apf-seats', '1');
    expect(options).to.include({ asPod: true, memoryLimit: '576Mi', apfSeats: 1 });
    expect(nameSuffix(options)).to.equal('-pod-mem576Mi-apf1');
    expect(nameSuffix({ asPod: true })).to.equal('-pod');
    expect(common('--count', '60')).to.not.have.any.keys('asPod');
    expect(
      common('--as-pod', '--kubeconfig', '/tmp/kc'),
      'checked against the kubeconfig at start',
    ).to.include({
      asPod: true,
    });
  });

  it('refuses a memory limit with heap flags of the orchestrator’s own, and a bad size', function () {
    expect(() =>
      common('--memory-limit', '576Mi', '--orchestrator-node-flags=--max-old-space-size=256'),
    ).to.throw(/drop --max-old-space-size=256/);
    expect(() => common('--memory-limit', '576MB')).to.throw(/not a memory size/);
    expect(common('--memory-limit', '576Mi', '--orchestrator-node-flags=--trace-gc')).to.deep.include({
      orchestratorNodeArgs: ['--trace-gc'],
    });
  });

  it('refuses APF seats that are not a whole number, or with a cluster of its own', function () {
    expect(() => common('--apf-seats', '1.5')).to.throw(/not a whole number/);
    expect(() => common('--apf-seats', '0')).to.throw(/not a positive number/);
    expect(() => common('--apf-seats', '2', '--kubeconfig', '/tmp/kc')).to.throw(/not with --kubeconfig/);
  });

  it('keeps the other options as before', function () {
    expect(common('--qps', '0', '--burst', '10', '--timeout', '300', '--from-source')).to.deep.equal({
      qps: 0,
      burst: 10,
      maxConcurrentWrites: undefined,
      createConcurrency: undefined,
      profile: false,
      runFrom: 'source',
      skipCleanup: false,
      timeoutMs: 300_000,
    });
    expect(() => parseBenchArgs(['--memory-limt', '1Gi'])).to.throw(/Unknown option/);
  });

  it('finds the heap flags on a command line, spelled either way', function () {
    expect(
      heapFlagsIn([
        '/usr/bin/node',
        '--max-old-space-size=384',
        '--max_semi_space_size=16',
        '--cpu-prof',
        'dist/main.js',
        '--max-concurrent-writes=32',
      ]),
    ).to.deep.equal(['--max-old-space-size=384', '--max_semi_space_size=16']);
  });
});
