import { it } from 'node:test';
import assert from 'node:assert/strict';
import { uuidV7 } from './uuid-v7.js';

const SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

it('makes version 7 ids carrying the time given, in increasing order even within one millisecond', () => {
  const at = Date.parse('2026-03-01T09:00:00Z');
  let previous = '';
  for (let i = 0; i < 50_000; i++) {
    const now = at + Math.floor(i / 10_000); // 10,000 ids per millisecond
    const id = uuidV7(now);
    assert.match(id, SHAPE);
    assert.ok(id > previous, `${id} sorts after ${previous}`);
    previous = id;
  }
  const id = uuidV7(at + 10);
  assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), at + 10, 'the first 48 bits are the milliseconds');
  // A clock that goes back never makes an id that sorts before the last one.
  assert.ok(uuidV7(at - 60_000) > id);
});
