/**
 * Turns an import's declaration and a row into the engine's case for "a marketing email, now". Pure: the moment
 * is an argument. The declared provenance becomes the contact's source and one consent event.
 */
import { defaultPolicies } from '../engine/packs/index.js';
import { DEFAULT_WORKSPACE_POLICY, type Consent, type Contact, type Kind, type ParsedCase, type PolicyPack, type Source, type WorkspacePolicy } from '../engine/types.js';
import type { Declaration } from './declaration.js';

/** The contact's source as the declaration states it. */
export function declaredSource(d: Declaration): Source {
  return {
    type: d.source,
    at: Date.parse(d.collectedAt),
    collectedBy: d.collectedBy,
    evidence: d.evidence,
    sponsors: d.sponsors ? { count: d.sponsors.count, named: d.sponsors.named } : null,
    clientAttested: d.clientAttested ?? false,
    legitimateInterest: null,
  };
}

/**
 * The consent event the import records. A declared double opt-in is taken as confirmed at collection: the
 * declaration is the importer's statement that each address confirmed, and its evidence is what backs it.
 */
export function declaredConsent(d: Declaration): Consent {
  const at = Date.parse(d.collectedAt);
  return {
    channel: 'email',
    method: d.consent,
    at,
    confirmedAt: d.consent === 'double_opt_in' ? at : null,
    evidence: d.evidence,
    categories: d.categories,
    withdrawnAt: null,
  };
}

export type CaseRow = { email: string; country: string; kind: Kind; birthDate: string | null; phone: string | null };

/** The case of a new contact made from one row. */
export function newContactCase(options: { declaration: Declaration; row: CaseRow; at: number; policies?: readonly PolicyPack[]; workspacePolicy?: Readonly<WorkspacePolicy> }): ParsedCase {
  const { declaration: d, row } = options;
  const contact: Contact = {
    email: row.email,
    phone: row.phone,
    country: row.country,
    kind: row.kind,
    birthDate: row.birthDate ? Date.parse(`${row.birthDate}T00:00:00Z`) : null,
    source: declaredSource(d),
    consents: [declaredConsent(d)],
    purchases: [], inquiries: [], activity: [], suppressions: [], bounces: [], registries: [],
  };
  return {
    id: null,
    at: options.at,
    policies: options.policies ?? defaultPolicies(row.country),
    contact,
    message: { channel: 'email', purpose: 'marketing', categories: [] },
    workspacePolicy: options.workspacePolicy ?? DEFAULT_WORKSPACE_POLICY,
  };
}
