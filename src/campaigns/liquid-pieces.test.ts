import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Liquid } from 'liquidjs';
import { compilePieces, renderPieces } from './liquid-pieces.js';

// The two engines configured as render-message.ts configures them.
const rawFilter = (v: unknown) => v;
const escaping = new Liquid({ outputEscape: 'escape', strictFilters: true, ownPropertyOnly: true, cache: false });
escaping.registerFilter('raw', rawFilter);
const plain = new Liquid({ strictFilters: true, ownPropertyOnly: true, cache: false });

const text = fc.array(fc.constantFrom('a', ' ', '\n', '<b>', '&', '"', "'", 'é', '}', '{', '%', '-', '\t'), { maxLength: 6 }).map((a) => a.join(''));
const key = fc.constantFrom('name', 'first_name', 'email', 'size', 'first', 'last', 'list', 'obj', 'toString', 'missing', 'a b');
const step = fc.oneof(
  fc.integer({ min: -2, max: 3 }).map((i) => `[${i}]`),
  key.filter((k) => /^\w+$/.test(k)).map((k) => `.${k}`),
  key.map((k) => `["${k}"]`),
);
const path = fc.tuple(fc.constantFrom('contact', 'url', '__c', 'nothing', 'toString'), fc.array(step, { maxLength: 3 })).map(([head, rest]) => head + rest.join(''));
const output = fc.tuple(path, fc.constantFrom('', ' | raw', ' | upcase', ' | escape', ' | default: "x"', ' | raw | raw'), fc.constantFrom(['{{', '}}'], ['{{-', '}}'], ['{{', '-}}'], ['{{-', '-}}']))
  .map(([p, f, [l, r]]) => `${l} ${p}${f} ${r}`);
const leafBlock = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 4, arbitrary: output },
  { weight: 1, arbitrary: text.map((t) => `{% raw %}{{ contact.name }}${t}{% endraw %}`) },
  { weight: 1, arbitrary: text.map((t) => `{% comment %}${t}{% endcomment %}{%# note %}`) },
  { weight: 1, arbitrary: path.map((p) => `{% assign y = ${p} %}{{ y }}`) },
  { weight: 1, arbitrary: path.map((p) => `{% for i in ${p} %}{{ i }}{% endfor %}`) },
  { weight: 1, arbitrary: fc.constant('{% capture c %}x{% endcapture %}{{ c }}{% increment n %}{{ n }}') },
);
const block: fc.Memo<string> = fc.memo((n) => (n <= 1 ? leafBlock : fc.oneof(
  { weight: 8, arbitrary: leafBlock },
  { weight: 1, arbitrary: fc.tuple(path, block(n - 1), block(n - 1)).map(([p, a, b]) => `{% if ${p} %}${a}{% else %}${b}{% endif %}`) },
  { weight: 1, arbitrary: fc.tuple(path, block(n - 1)).map(([p, a]) => `{%- unless ${p} -%}${a}{% endunless %}`) },
)));
const template = fc.array(block(3), { maxLength: 8 }).map((a) => a.join(''));

const leaf = fc.oneof(fc.string({ unit: fc.constantFrom('a', '<', '>', '&', '"', "'", ' ', 'é', '😀') }), fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: false }));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
})).v;
const scope = fc.record({ contact: value, url: fc.oneof(fc.string(), value), __c: fc.array(fc.oneof(fc.webUrl(), value), { maxLength: 3 }) });

test('pieces render exactly what LiquidJS renders, on generated templates and values, escaped and plain', () => {
  fc.assert(fc.property(template, scope, (source, s) => {
    for (const engine of [escaping, plain]) {
      let templates;
      try { templates = engine.parse(source); } catch { return; } // a generated syntax error ("{{% …")
      // Each render gets its own copy: `increment` writes into the scope it is given.
      // A value LiquidJS cannot print ({ toString: '' }) must fail the same way.
      const outcome = (render: () => string) => { try { return render(); } catch (err) { return `error: ${(err as Error).message}`; } };
      const pieces = compilePieces(engine, source, templates, { rawFilter });
      assert.equal(outcome(() => renderPieces(pieces, structuredClone(s))), outcome(() => engine.renderSync(templates, structuredClone(s))), source);
    }
  }), { numRuns: 2000 });
});

test('plain merge tags take the fast path; a stateful tag makes the whole template LiquidJS\'s', () => {
  const source = '<p>Hi {{ contact.first_name }} {{ __c[0] | raw }}</p>{% raw %}{{ x }}{% endraw %}{% if url %}<a href="{{ url }}">u</a>{% endif %}';
  const p = compilePieces(escaping, source, escaping.parse(source), { rawFilter });
  assert.ok(p.pieces);
  const fast = p.pieces.filter((x) => typeof x !== 'string' && x.fast);
  assert.equal(fast.length, 2, 'both output tags are direct reads');
  assert.ok(p.pieces.includes('</p>{{ x }}'), 'raw output is constant and merged with the text around it');
  assert.equal(renderPieces(p, { contact: { first_name: '<Ann>' }, __c: ['https://a?b&c'], url: 'u"' }),
    '<p>Hi &lt;Ann&gt; https://a?b&amp;c</p>{{ x }}<a href="u&#34;">u</a>');
  const stateful = '{% assign n = contact.first_name %}{{ n }}';
  assert.equal(compilePieces(escaping, stateful, escaping.parse(stateful)).pieces, null);
});
