import assert from 'node:assert/strict';
import { it } from 'node:test';
import { z } from 'zod';
import { closestKey, knownFields, unknownFieldMessage } from './known-fields.js';

const keys = ['company', 'address', 'postalAddress', 'contactPhone', 'contactEmail', 'domains', 'returnPathDomain', 'fromName', 'fromAddress'];

it('names the one key meant: same letters, one inside the other, or a typing slip', () => {
  assert.equal(closestKey('from_address', keys), 'fromAddress');
  assert.equal(closestKey('companyName', keys), 'company');
  assert.equal(closestKey('phone', keys), 'contactPhone');
  assert.equal(closestKey('domain', keys), 'domains', 'inside two keys, one slip from one');
  assert.equal(closestKey('adress', keys), 'address');
});

it('names none when nothing is close or several are as likely', () => {
  assert.equal(unknownFieldMessage('constructor', ['name'], { nom: 'name' }), 'unknown field; the known fields are name');
  assert.equal(unknownFieldMessage('Nom', ['name'], { nom: 'name' }), 'unknown field; did you mean name?');
  assert.equal(closestKey('colour', keys), undefined);
  assert.equal(closestKey('from', keys), undefined);
  assert.equal(closestKey('contact', keys), undefined);
  assert.equal(closestKey('id', ['ids', 'kind']), 'ids');
  assert.equal(closestKey('', keys), undefined);
});

it('lists unknown keys first, accepts and drops read-only ones, and checks nested objects at their path', () => {
  const schema = z.object({ inner: knownFields({ name: z.string(), size: z.number() }, { readOnly: ['id'] }) });
  const bad = schema.safeParse({ inner: { nmae: 'x', size: 'big' } });
  assert.deepEqual(bad.error?.issues.map((i) => [i.path.join('.'), i.message]), [
    ['inner.nmae', 'unknown field; did you mean name?'],
    ['inner.name', 'required'],
    ['inner.size', 'Invalid input: expected number, received string'],
  ]);
  assert.deepEqual(schema.parse({ inner: { id: 'x', name: 'n', size: 1 } }), { inner: { name: 'n', size: 1 } });
  assert.equal(schema.safeParse({ inner: null }).success, false);
  assert.deepEqual(schema.safeParse({ inner: ['x'] }).error?.issues.map((i) => i.message), ['Invalid input: expected object, received array']);
  // a value of the wrong type is still named as such
  assert.deepEqual(knownFields({ n: z.number() }).safeParse({ n: 'x' }).error?.issues.map((i) => i.message), ['Invalid input: expected number, received string']);
});
