/**
 * Tiny builders for cases, used by the engine's tests and handy in examples: a plausible French web sign-up
 * by default, with every field overridable. They build the contract's JSON, so tests go through `parseCase`.
 */
import type { CaseInput, ConsentInput, ContactInput, MessageInput, SourceInput } from './types.js';

export const DEFAULT_AT = '2026-03-01T09:00:00Z';

export interface CaseParts extends Omit<Partial<CaseInput>, 'contact' | 'message'> {
  contact?: Partial<Omit<ContactInput, 'source'>> & { source?: Partial<SourceInput> };
  message?: Partial<MessageInput>;
}

export function makeCase(parts: CaseParts = {}): CaseInput {
  const { contact = {}, message = {}, ...rest } = parts;
  const { source = {}, ...person } = contact;
  return {
    id: 'case',
    at: DEFAULT_AT,
    ...rest,
    contact: {
      email: 'anna.martin@example.com',
      country: 'FR',
      ...person,
      source: { type: 'web_form', at: '2026-01-10T10:00:00Z', ...source },
    },
    message: { channel: 'email', purpose: 'marketing', categories: ['running-shoes'], ...message },
  };
}

type ConsentExtra = Partial<ConsentInput>;

/** A confirmed double opt-in with its evidence (form id, IP). */
export function doi(extra: ConsentExtra = {}): ConsentInput {
  return { channel: 'email', method: 'double_opt_in', at: '2026-01-10T10:00:00Z', confirmedAt: '2026-01-10T10:04:00Z', evidence: ['form:newsletter-v3', 'ip:203.0.113.7'], ...extra };
}

export function consent(method: ConsentInput['method'], extra: ConsentExtra = {}): ConsentInput {
  return { channel: 'email', method, at: '2026-01-10T10:00:00Z', evidence: [`${method}:ref-1`], ...extra };
}

/** The soft opt-in notice shown at checkout, for the given product categories. */
export function notice(categories: string[], extra: ConsentExtra = {}): ConsentInput {
  return { channel: 'email', method: 'purchase_notice', at: '2026-01-10T10:00:00Z', categories, evidence: ['checkout:notice-v2'], ...extra };
}
