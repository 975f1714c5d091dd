// Cutting a byte stream into pieces of whole lines: whatever the chunk boundaries, the pieces put back together
// are the input, every piece but the last ends on a newline, and line counts add up.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_LINE } from './answer-chunk.js';
import { LineChunker, type Piece } from './line-chunks.js';

function cut(input: Buffer, sizes: number[], pieceBytes: number): Piece[] {
  const chunker = new LineChunker(pieceBytes);
  const pieces: Piece[] = [];
  let at = 0;
  for (let i = 0; at < input.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]);
    pieces.push(...chunker.push(input.subarray(at, at + n)));
    at += n;
  }
  pieces.push(...chunker.end());
  return pieces;
}

describe('LineChunker', () => {
  it('keeps every byte and line, in order, whatever the chunk sizes', () => {
    fc.assert(fc.property(
      fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '😀', '{', '\r', ' ') , maxLength: 40 }), { maxLength: 30 }),
      fc.boolean(),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 120 }),
      (lines, finalNewline, sizes, pieceBytes) => {
        const text = lines.join('\n') + (finalNewline && lines.length > 0 ? '\n' : '');
        const input = Buffer.from(text);
        const pieces = cut(input, sizes, pieceBytes);
        const bytes = pieces.map((p) => (p.kind === 'lines' ? p.bytes : assert.fail('no line is too long here')));
        assert.deepEqual(Buffer.concat(bytes), input);
        for (const b of bytes.slice(0, -1)) assert.equal(b[b.length - 1], 10);
        for (const b of bytes) assert.ok(b.length > 0);
        const counted = pieces.reduce((n, p) => n + (p.kind === 'lines' ? p.lines : 0), 0);
        const expected = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
        assert.equal(counted, expected);
      },
    ), { numRuns: 300 });
  });

  it('cuts one large chunk into pieces near the piece size, on line ends', () => {
    const line = 'x'.repeat(99) + '\n';
    const pieces = cut(Buffer.from(line.repeat(1000)), [1_000_000], 1000);
    assert.equal(pieces.length, 100);
    for (const p of pieces) assert.ok(p.kind === 'lines' && p.bytes.length === 1000 && p.lines === 10);
  });

  it('gives pieces with memory of their own (transferable)', () => {
    const [p] = cut(Buffer.from('{"a":1}\n'), [3], 64);
    assert.ok(p.kind === 'lines');
    assert.equal(p.bytes.byteOffset, 0);
    assert.equal(p.bytes.buffer.byteLength, p.bytes.length);
  });

  it('turns a line that grows past the limit while open into one too-long mark, and goes on after it', () => {
    const huge = Buffer.alloc(MAX_LINE + 200_000, 'x');
    const input = Buffer.concat([Buffer.from('{"a":1}\n'), huge, Buffer.from('\n{"b":2}\n')]);
    const pieces = cut(input, [65536], 256 * 1024);
    assert.deepEqual(pieces.map((p) => p.kind), ['lines', 'too-long', 'lines']);
    const last = pieces[2];
    assert.ok(last.kind === 'lines');
    assert.equal(last.bytes.toString(), '{"b":2}\n');
  });
});
