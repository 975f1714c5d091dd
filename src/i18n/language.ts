/**
 * Picks the page language: `?lang=` first (a link can carry it), then the Accept-Language header by quality,
 * then English. Only the languages we have texts for are ever chosen.
 */
export const LANGUAGES = ['en', 'fr', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** Chooses the language of a public page or mail. */
export function pickLanguage(options: { query?: unknown; acceptLanguage?: string; fallback?: Language }): Language {
  const q = typeof options.query === 'string' ? options.query.toLowerCase().slice(0, 2) : undefined;
  if (isLanguage(q)) return q;
  const header = options.acceptLanguage ?? '';
  const ranked = header
    .slice(0, 500)
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = qParam ? Number(qParam.slice(2)) : 1;
      return { base: tag.trim().toLowerCase().split('-')[0], quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((x) => x.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { base } of ranked) if (isLanguage(base)) return base;
  return options.fallback ?? 'en';
}
