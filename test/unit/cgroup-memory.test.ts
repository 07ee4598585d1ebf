import { expect } from 'chai';
import { cgroupMemoryLimit, heapFlagsFor, heapFlagsToAdd } from '../../src/util/cgroup-memory.js';

const MiB = 1024 * 1024;
const files =
  (entries: Record<string, string>) =>
  (path: string): string | undefined =>
    entries[path];

describe('the cgroup memory limit', function () {
  it('reads memory.max of cgroup v2 in a container with its own cgroup namespace', function () {
    const read = files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': '603979776\n' });
    expect(cgroupMemoryLimit(read)).to.equal(576 * MiB);
  });

  it('reads cgroup v2 at the path of /proc/self/cgroup when the mount shows the whole tree', function () {
    const read = files({
      '/proc/self/cgroup': '0::/kubepods.slice/pod1/cri-abc\n',
      '/sys/fs/cgroup/memory.max': 'max\n',
      '/sys/fs/cgroup/kubepods.slice/pod1/cri-abc/memory.max': '536870912\n',
    });
    expect(cgroupMemoryLimit(read)).to.equal(512 * MiB);
  });

  it('says there is none for "max" (v2)', function () {
    const read = files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': 'max\n' });
    expect(cgroupMemoryLimit(read)).to.equal(undefined);
  });

  it('reads memory.limit_in_bytes of cgroup v1, with the memory controller among others', function () {
    const read = files({
      '/proc/self/cgroup': '12:pids:/x\n4:memory,hugetlb:/kubepods/pod1/abc\n1:name=systemd:/x\n0::/\n',
      '/sys/fs/cgroup/memory/kubepods/pod1/abc/memory.limit_in_bytes': '268435456\n',
    });
    expect(cgroupMemoryLimit(read)).to.equal(256 * MiB);
  });

  it("says there is none for v1's page-aligned largest number, and when nothing is readable", function () {
    const read = files({
      '/proc/self/cgroup': '4:memory:/\n',
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
    });
    expect(cgroupMemoryLimit(read)).to.equal(undefined);
    expect(cgroupMemoryLimit(files({}))).to.equal(undefined);
  });

  it('takes the smaller limit when both the root and the path have one', function () {
    const read = files({
      '/proc/self/cgroup': '0::/a\n',
      '/sys/fs/cgroup/memory.max': '1073741824',
      '/sys/fs/cgroup/a/memory.max': '536870912',
    });
    expect(cgroupMemoryLimit(read)).to.equal(512 * MiB);
  });
});

describe('heap flags from the memory limit', function () {
  it('gives the chart limit (576 MiB) the flags it used to set by hand', function () {
    expect(heapFlagsFor(576 * MiB)).to.deep.equal(['--max-old-space-size=384', '--max-semi-space-size=16']);
  });

  it('keeps the heap inside smaller limits', function () {
    expect(heapFlagsFor(512 * MiB)).to.deep.equal(['--max-old-space-size=336', '--max-semi-space-size=16']);
    expect(heapFlagsFor(256 * MiB)).to.deep.equal(['--max-old-space-size=168', '--max-semi-space-size=8']);
    expect(heapFlagsFor(128 * MiB)).to.deep.equal(['--max-old-space-size=84', '--max-semi-space-size=4']);
    expect(heapFlagsFor(2048 * MiB)).to.deep.equal(['--max-old-space-size=1488', '--max-semi-space-size=16']);
  });

  it('adds none when NODE_OPTIONS or the command line bounds the heap, or without a limit', function () {
    expect(heapFlagsToAdd('--max-old-space-size=200', [], 512 * MiB)).to.deep.equal([]);
    expect(heapFlagsToAdd('--enable-source-maps --max_semi_space_size=8', [], 512 * MiB)).to.deep.equal([]);
    expect(heapFlagsToAdd(undefined, ['--max-old-space-size=300'], 512 * MiB)).to.deep.equal([]);
    expect(heapFlagsToAdd(undefined, [], undefined)).to.deep.equal([]);
    expect(heapFlagsToAdd('--enable-source-maps', [], 512 * MiB)).to.deep.equal(heapFlagsFor(512 * MiB));
  });
});
