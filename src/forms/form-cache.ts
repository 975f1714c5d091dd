/**
 * A short-lived cache of published forms for the sign-up hot path (three queries saved per POST). Keyed by
 * public id and version: the version a visitor was shown is immutable, so its wording and hashes are exact;
 * only the list names and an archival may show up to `ttlMs` late. Bounded; time is an argument.
 */
import type { PublishedForm } from './form-definition.js';

export type FormCache = {
  get(key: string, now: Date, load: () => Promise<PublishedForm | undefined>): Promise<PublishedForm | undefined>;
};

export function createFormCache(options: { ttlMs: number; maxEntries?: number }): FormCache {
  const max = options.maxEntries ?? 1000;
  const entries = new Map<string, { at: number; value: Promise<PublishedForm | undefined> }>();
  return {
    async get(key, now, load) {
      const t = now.getTime();
      const hit = entries.get(key);
      if (hit && t - hit.at < options.ttlMs) return hit.value;
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      // The promise is cached, so a burst of requests for a cold form loads it once.
      const value = load().catch((err) => { entries.delete(key); throw err; });
      entries.set(key, { at: t, value });
      const form = await value;
      if (!form) entries.delete(key); // unknown ids are not remembered: a new form works at once
      return form;
    },
  };
}
