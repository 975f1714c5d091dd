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
import { createBatcher } from '../public/batcher.js';
import { loadEngineData, loadEngineDataFor, type ContactKey, type EngineData } from './contacts.repository.js';
import { toEngineContact } from './to-engine-contact.js';

export type CheckEligibilityOptions = {
  db: Kysely<Database>;
  workspaceId: string;
  contactId: string;
  message: MessageInput;
  policies?: PolicyPack[];
  at: Date;
  /**
   * How the contact's data is read, with the workspace's settings (RULES.md C-1) in `workspacePolicy`; default
   * one query for this contact (see `createEngineDataLoader`).
   */
  load?: EngineDataLoader;
};

export type EngineDataLoader = (key: ContactKey) => Promise<EngineData | undefined>;

/**
 * A loader that reads the contacts asked for at the same moment (the same event-loop turn, or while earlier
 * reads are in flight) with one statement, the workspace's settings included: under load this turns fifty
 * concurrent lookups into a few round trips, which costs less in both Node (pg's per-query work) and PostgreSQL (per-statement overhead).
 */
export function createEngineDataLoader(options: { db: Kysely<Database>; maxInFlight?: number }): EngineDataLoader {
  const batcher = createBatcher<ContactKey, EngineData | undefined>({
    run: (keys) => loadEngineDataFor(options.db, keys, { withWorkspacePolicy: true }), maxSize: 64, maxInFlight: options.maxInFlight ?? 4,
  });
  return (key) => batcher.submit(key);
}

export async function checkEligibility(options: CheckEligibilityOptions): Promise<AnswerJson> {
  const key = { workspaceId: options.workspaceId, id: options.contactId };
  const data = options.load ? await options.load(key) : await loadEngineData(options.db, key.workspaceId, key.id, { withWorkspacePolicy: true });
  if (!data) throw new AppError('not_found', `contact ${options.contactId} not found`);
  // the judgement under the workspace's settings (RULES.md C-1); a loader that leaves them out gets the strict default
  const parsed = parseCase({ id: options.contactId, contact: toEngineContact(data), message: options.message, ...(options.policies ? { policies: options.policies } : {}) }, { at: options.at.getTime(), workspacePolicy: data.workspacePolicy });
  if (!parsed.ok) {
    // the stored contact lacks something the engine needs (say, no phone for an SMS): the caller's question cannot be answered
    throw new AppError('invalid_input', parsed.error.message, { userMessage: parsed.error.message, details: { issues: [{ path: parsed.error.path, message: parsed.error.message }] } });
  }
  return answerToJson(evaluate(parsed.case));
}
