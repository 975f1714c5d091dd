/**
 * The platform's form of a product category. The engine compares categories exactly (its contract is unchanged),
 * so "Running-Shoes" on a campaign never matched "running-shoes" on a purchase and soft opt-in silently failed.
 * Every input boundary (campaigns, recorded purchases and consents, the eligibility question) keeps this form,
 * and whatever is handed to the engine from stored data is put in it too (data stored before, and imports).
 */

/** Lower case, no surrounding spaces, and each run of spaces, hyphens or underscores one hyphen:
 *  "  Running Shoes " and "running_shoes" are "running-shoes". */
export function normaliseCategory(category: string): string {
  return category.normalize('NFKC').toLowerCase().replace(/[\s_-]+/gu, ' ').trim().replace(/ /g, '-');
}

const isNormal = (c: string) => c.length > 0 && c === normaliseCategory(c);

/** Each category normalised, once, in the given order; an empty one (only spaces or hyphens) is dropped. The same
 *  array comes back when it already was (the common case on the send path costs no allocation). */
export function normaliseCategories(categories: readonly string[]): string[] {
  if (categories.every(isNormal) && new Set(categories).size === categories.length) return categories as string[];
  return [...new Set(categories.map(normaliseCategory))].filter((c) => c.length > 0);
}
