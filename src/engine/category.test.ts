import assert from 'node:assert/strict';
import { it } from 'node:test';
import { normaliseCategories, normaliseCategory } from './category.js';

it('puts a category in one form: lower case, trimmed, one hyphen between words', () => {
  for (const c of ['Running-Shoes', '  running shoes ', 'RUNNING_SHOES', 'running -  shoes', 'ｒｕｎｎｉｎｇ-shoes']) assert.equal(normaliseCategory(c), 'running-shoes', c);
  assert.equal(normaliseCategory('Chaussures de Course'), 'chaussures-de-course');
  assert.equal(normaliseCategory('T-Shirts & Tops'), 't-shirts-&-tops');
  assert.equal(normaliseCategory(' - '), '');
});

it('keeps each category once, in order, and gives back an array already in that form unchanged', () => {
  assert.deepEqual(normaliseCategories(['Running Shoes', 'socks', 'running-shoes', ' _ ']), ['running-shoes', 'socks']);
  const normal = ['running-shoes', 'socks'];
  assert.equal(normaliseCategories(normal), normal);
  assert.deepEqual(normaliseCategories(['socks', 'socks']), ['socks']);
});
