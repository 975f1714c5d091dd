/**
 * May this message go to this stored contact now, and why? The contract's answer, computed by the engine from
 * the contact's stored row, consents, activity, suppressions and bounces.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { answerToJson, evaluate } from '../engine/evaluate.js';
import { parseCase } from '../engine/parse-case.js';
import type { AnswerJson, MessageInput, PolicyPack } from '../engine/types.js';
import { AppError } from '../errors.js';
import { loadEngineData } from './contacts.repository.js';
import { toEngineContact } from './to-engine-contact.js';

export type CheckEligibilityOptions = {
  db: Kysely<Database>;
  workspaceId: string;
  contactId: string;
  message: MessageInput;
  policies?: PolicyPack[];
  at: Date;
};

export async function checkEligibility(options: CheckEligibilityOptions): Promise<AnswerJson> {
  const data = await loadEngineData(options.db, options.workspaceId, options.contactId);
  if (!data) throw new AppError('not_found', `contact ${options.contactId} not found`);
  const parsed = parseCase({ id: options.contactId, contact: toEngineContact(data), message: options.message, ...(options.policies ? { policies: options.policies } : {}) }, { at: options.at.getTime() });
  if (!parsed.ok) {
    // the stored contact lacks something the engine needs (say, no phone for an SMS): the caller's question cannot be answered
    throw new AppError('invalid_input', parsed.error.message, { userMessage: parsed.error.message, details: { issues: [{ path: parsed.error.path, message: parsed.error.message }] } });
  }
  return answerToJson(evaluate(parsed.case));
}
