import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LANGUAGES } from './language.js';
import { format, messagesFor } from './messages.js';

test('every language has every text, none empty, with the same placeholders as English', () => {
  const en = messagesFor('en');
  for (const lang of LANGUAGES) {
    const m = messagesFor(lang);
    assert.deepEqual(Object.keys(m).sort(), Object.keys(en).sort(), lang);
    for (const [key, text] of Object.entries(m)) {
      assert.ok(text.trim().length > 0, `${lang} ${key}`);
      const holes = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      assert.deepEqual(holes(text), holes(en[key as keyof typeof en]), `${lang} ${key}`);
    }
  }
  assert.notEqual(messagesFor('fr')['unsub.button'], messagesFor('de')['unsub.button']);
});

test('format fills named placeholders and leaves others', () => {
  assert.equal(format('Stop {list} at {email} {x}', { list: 'News', email: 'a@b' }), 'Stop News at a@b {x}');
  assert.equal(format('{toString}', {}), '{toString}');
});
