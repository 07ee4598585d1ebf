import { expect } from 'chai';
import { cgroupMemoryStats, limitFiles, memoryCgroupLayout } from '../../benchmarks/lib/cgroup.js';

const only =
  (...paths: string[]) =>
  (path: string): boolean =>
    paths.includes(path);
const files =
  (contents: Record<string, string>) =>
  (path: string): string | undefined =>
    contents[path];

describe('benchmark memory cgroups', function () {
  it('makes them under cgroup v2 when the unified hierarchy is at /sys/fs/cgroup, else under v1’s memory', function () {
    expect(memoryCgroupLayout(only('/sys/fs/cgroup/cgroup.controllers'))).to.deep.equal({
      version: 2,
      root: '/sys/fs/cgroup',
    });
    // A hybrid host (v2 at /sys/fs/cgroup/unified) has its memory controller on v1.
    expect(
      memoryCgroupLayout(
        only('/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/unified/cgroup.controllers'),
      ),
    ).to.deep.equal({ version: 1, root: '/sys/fs/cgroup/memory' });
    expect(memoryCgroupLayout(only())).to.equal(undefined);
  });

  it('sets the limit, and no swap beyond it where the kernel accounts swap', function () {
    const v1 = { version: 1, root: '/sys/fs/cgroup/memory' } as const;
    const dir = '/sys/fs/cgroup/memory/x';
    expect(limitFiles(v1, dir, 1024, only(`${dir}/memory.memsw.limit_in_bytes`))).to.deep.equal([
      [`${dir}/memory.limit_in_bytes`, '1024'],
      [`${dir}/memory.memsw.limit_in_bytes`, '1024'],
    ]);
    expect(limitFiles(v1, dir, 1024, only())).to.deep.equal([[`${dir}/memory.limit_in_bytes`, '1024']]);
    const v2 = { version: 2, root: '/sys/fs/cgroup' } as const;
    expect(limitFiles(v2, '/sys/fs/cgroup/x', 1024, only('/sys/fs/cgroup/x/memory.swap.max'))).to.deep.equal([
      ['/sys/fs/cgroup/x/memory.max', '1024'],
      ['/sys/fs/cgroup/x/memory.swap.max', '0'],
    ]);
  });

  it('reads v1’s failcnt, oom_control and peak', function () {
    const dir = '/sys/fs/cgroup/memory/x';
    const v1 = { version: 1, root: '/sys/fs/cgroup/memory' } as const;
    expect(
      cgroupMemoryStats(
        v1,
        dir,
        files({
          [`${dir}/memory.failcnt`]: '12\n',
          [`${dir}/memory.oom_control`]: 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
          [`${dir}/memory.max_usage_in_bytes`]: '603979776\n',
        }),
      ),
    ).to.deep.equal({ limitHits: 12, oomEvents: 0, oomKills: 1, peakBytes: 603979776, oom: true });
    expect(
      cgroupMemoryStats(
        v1,
        dir,
        files({
          [`${dir}/memory.failcnt`]: '0\n',
          [`${dir}/memory.oom_control`]: 'oom_kill_disable 0\nunder_oom 0\n',
        }),
      ),
    ).to.deep.equal({ limitHits: 0, oomEvents: 0, oomKills: null, peakBytes: null, oom: false });
  });

  it('reads v2’s memory.events and memory.peak', function () {
    const v2 = { version: 2, root: '/sys/fs/cgroup' } as const;
    expect(
      cgroupMemoryStats(
        v2,
        '/sys/fs/cgroup/x',
        files({
          '/sys/fs/cgroup/x/memory.events': 'low 0\nhigh 0\nmax 40\noom 2\noom_kill 0\noom_group_kill 0\n',
          '/sys/fs/cgroup/x/memory.peak': '1000\n',
        }),
      ),
    ).to.deep.equal({ limitHits: 40, oomEvents: 2, oomKills: 0, peakBytes: 1000, oom: true });
    expect(cgroupMemoryStats(v2, '/sys/fs/cgroup/x', files({}))).to.deep.equal({
      limitHits: null,
      oomEvents: null,
      oomKills: null,
      peakBytes: null,
      oom: false,
    });
  });
});
