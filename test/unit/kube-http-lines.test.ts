import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { readLines } from '../../src/k8s/kube-http.js';

/** Writes `chunks` to a stream read by readLines and resolves with the lines and the reads seen. */
async function linesOf(chunks: Buffer[]): Promise<{ lines: string[]; reads: number }> {
  const stream = new PassThrough();
  const lines: string[] = [];
  let reads = 0;
  readLines(
    stream,
    (line) => lines.push(line),
    () => reads++,
  );
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await once(stream, 'end');
  return { lines, reads };
}

function splitAt(text: string, ...offsets: number[]): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const cuts = [0, ...offsets, bytes.length];
  return cuts.slice(1).map((end, i) => bytes.subarray(cuts[i], end));
}

describe("the watch stream's line splitter", function () {
  it('joins a line split across reads and splits several lines in one read', async function () {
    const text = '{"type":"ADDED"}\n{"type":"MODIFIED","object":{"a":1}}\n{"type":"DELETED"}\n';
    const { lines, reads } = await linesOf(splitAt(text, 5, 17, 20, 40));
    expect(lines).to.deep.equal([
      '{"type":"ADDED"}',
      '{"type":"MODIFIED","object":{"a":1}}',
      '{"type":"DELETED"}',
    ]);
    expect(reads).to.be.greaterThan(0);
  });

  it('joins a UTF-8 character split across reads', async function () {
    const text = '{"message":"Zürich → 東京 🚀"}\n{"b":"ü"}\n';
    const bytes = Buffer.from(text, 'utf8');
    const starts = [text.indexOf('ü'), text.indexOf('→'), text.indexOf('東'), text.indexOf('🚀')].map((i) =>
      Buffer.byteLength(text.slice(0, i)),
    );
    const { lines } = await linesOf(
      splitAt(text, starts[0]! + 1, starts[1]! + 2, starts[2]! + 1, starts[3]! + 3),
    );
    expect(lines).to.deep.equal(['{"message":"Zürich → 東京 🚀"}', '{"b":"ü"}']);
    // Every single-byte cut as well.
    const oneByteReads = await linesOf([...bytes].map((b) => Buffer.from([b])));
    expect(oneByteReads.lines).to.deep.equal(lines);
  });

  it('skips empty lines and keeps an unterminated last line pending', async function () {
    const { lines } = await linesOf(splitAt('\n{"a":1}\n\n{"b":2}\n{"c":', 3));
    expect(lines).to.deep.equal(['{"a":1}', '{"b":2}']);
  });
});
