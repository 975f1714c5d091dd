/**
 * The policy packs, compiled once when this module loads, and the contract's default choice of packs.
 */
import { compilePack, type CompiledPack, type PackSpec } from '../rule.js';
import type { PolicyPack } from '../types.js';
import { ca } from './ca.js';
import { de } from './de.js';
import { eu } from './eu.js';
import { fr } from './fr.js';
import { platform } from './platform.js';
import { uk } from './uk.js';
import { us } from './us.js';

export const PACK_SPECS: Readonly<Record<PolicyPack, PackSpec>> = { platform, eu, fr, de, uk, us, ca };

export const PACKS: Readonly<Record<PolicyPack, CompiledPack>> = {
  platform: compilePack(platform), eu: compilePack(eu), fr: compilePack(fr), de: compilePack(de),
  uk: compilePack(uk), us: compilePack(us), ca: compilePack(ca),
};

const LAW_OF: Readonly<Record<string, PolicyPack>> = { FR: 'fr', DE: 'de', GB: 'uk', UK: 'uk', US: 'us', CA: 'ca' };
const DEFAULTS = new Map<PolicyPack, readonly PolicyPack[]>(
  (['eu', 'fr', 'de', 'uk', 'us', 'ca'] as const).map((law) => [law, Object.freeze(['platform', law] as PolicyPack[])]),
);

/** `["platform", LAW]`: FR→fr, DE→de, GB or UK→uk, US→us, CA→ca, any other country→eu. */
export function defaultPolicies(country: string): readonly PolicyPack[] {
  return DEFAULTS.get(LAW_OF[country.toUpperCase()] ?? 'eu')!;
}
