/**
 * The engine's verdict for many recipients of one campaign at one moment: at send start (to queue) and again
 * just before each message goes out (someone who unsubscribed after queueing receives nothing).
 * A contact that is gone (erased) or whose stored data the engine cannot read is blocked, with the reason.
 */
import { mergeFields } from '../campaigns/merge-fields.js';
import { loadEngineDataFor, type EngineData } from '../contacts/contacts.repository.js';
import { toEngineContact } from '../contacts/to-engine-contact.js';
import type { Db } from '../db/database.js';
import { normaliseCategories } from '../engine/category.js';
import { evaluate, answerToJson } from '../engine/evaluate.js';
import { parseCase } from '../engine/parse-case.js';
import { DEFAULT_WORKSPACE_POLICY, type AnswerJson, type MessageInput, type WorkspacePolicy } from '../engine/types.js';
import { findWorkspacePolicy } from '../workspaces/workspaces.repository.js';

export type RecipientVerdict = {
  contactId: string;
  email: string | null;
  /** Merge fields for Liquid: `contact.email`, `contact.country` and the custom fields (`mergeFields`). */
  fields: Record<string, unknown>;
  policies: readonly string[];
  answer: AnswerJson;
};

const gone = (contactId: string, text: string): RecipientVerdict => ({
  contactId, email: null, fields: {}, policies: [],
  answer: { verdict: 'block', basis: null, reasons: [{ code: 'suppressed', effect: 'block', policy: 'platform', rule: 'EU-GDPR-09', text }], validUntil: null },
});

export async function evaluateRecipients(options: { db: Db; workspaceId: string; contactIds: readonly string[]; message: MessageInput; at: Date }): Promise<Map<string, RecipientVerdict>> {
  // the workspace's settings are read with every batch, so a change reaches the next message that goes out
  const [data, workspacePolicy] = await Promise.all([loadRecipientData(options), readWorkspacePolicy(options.db, options.workspaceId)]);
  return evaluateLoaded({ ...options, data, workspacePolicy });
}

/** The workspace's settings (RULES.md C-1) for the engine; a workspace that is gone gets the strictest default. */
export async function readWorkspacePolicy(db: Db, workspaceId: string): Promise<WorkspacePolicy> {
  return (await findWorkspacePolicy(db, workspaceId)) ?? DEFAULT_WORKSPACE_POLICY;
}

/** The engine's data for each contact id, in order (`undefined` for one that is gone). */
export function loadRecipientData(options: { db: Db; workspaceId: string; contactIds: readonly string[] }): Promise<(EngineData | undefined)[]> {
  return loadEngineDataFor(options.db, options.contactIds.map((id) => ({ workspaceId: options.workspaceId, id })));
}

/** The verdicts for data already loaded (pure): a caller can load the next page while this one is evaluated. */
export function evaluateLoaded(options: {
  contactIds: readonly string[]; data: readonly (EngineData | undefined)[]; message: MessageInput; at: Date;
  /** The workspace's settings (RULES.md C-1); default the strictest. */
  workspacePolicy?: WorkspacePolicy;
}): Map<string, RecipientVerdict> {
  const { data } = options;
  const out = new Map<string, RecipientVerdict>();
  const at = options.at.getTime();
  // a campaign stored (or a send started) before categories were normalised meets contacts' normalised ones
  const message = options.message.categories ? { ...options.message, categories: normaliseCategories(options.message.categories) } : options.message;
  for (let i = 0; i < options.contactIds.length; i++) {
    const id = options.contactIds[i];
    const d = data[i];
    if (!d) { out.set(id, gone(id, 'The contact no longer exists (erased or deleted).')); continue; }
    const parsed = parseCase({ contact: toEngineContact(d), message }, { at, workspacePolicy: options.workspacePolicy });
    if (!parsed.ok) {
      out.set(id, { ...gone(id, `The stored contact cannot be evaluated: ${parsed.error.path}: ${parsed.error.message}`), email: d.contact.email });
      continue;
    }
    const c = d.contact;
    out.set(id, {
      contactId: id,
      email: c.email,
      fields: mergeFields(c),
      policies: parsed.case.policies,
      answer: answerToJson(evaluate(parsed.case)),
    });
  }
  return out;
}
