import assert from 'node:assert/strict';
import { test } from 'node:test';
import { platformFromAddress } from './mail-identity.js';

test('the fallback From is noreply@ the base URL host, never an IP literal', () => {
  assert.equal(platformFromAddress('https://lists.shop.example'), 'noreply@lists.shop.example');
  assert.equal(platformFromAddress('http://127.0.0.1:3000'), 'noreply@localhost');
  assert.equal(platformFromAddress('http://[::1]:3000/'), 'noreply@localhost');
  assert.equal(platformFromAddress('http://localhost:3000'), 'noreply@localhost');
  assert.equal(platformFromAddress('not a url'), 'noreply@localhost');
});
