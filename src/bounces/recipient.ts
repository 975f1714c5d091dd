import { classifyReason, completeStatus, findReplyCode, flatWords, isHard, preferStatus } from './classify.js';
import { stripTypePrefix } from './fields.js';
import type { RecipientAction, RecipientReport } from './types.js';

/**
 * Builds one recipient's report from a status and a diagnostic, the shape every source gives
 * (a provider's webhook, a JSON notification by mail). The reason and hardness follow the parser's rules.
 */
export function describeRecipient(input: { address: string; action: RecipientAction; status?: string; diagnostic?: string }): RecipientReport {
  const diagnostic = stripTypePrefix(input.diagnostic ?? '');
  const given = (/\d\.\d{1,3}\.\d{1,3}/.exec(input.status ?? '') ?? [''])[0];
  const status = preferStatus(given, diagnostic);
  const replyCode = findReplyCode(diagnostic, status[0] ?? '');
  const reason = classifyReason({ status, diagnostic: flatWords(diagnostic), action: input.action });
  const temporary = input.action === 'delayed' || replyCode.startsWith('4') || status.startsWith('4');
  const finalStatus = reason === 'delivered' ? status : completeStatus({ status, replyCode, reason, temporary });
  return {
    address: input.address.trim().toLowerCase(),
    action: input.action,
    status: finalStatus,
    replyCode,
    reason,
    hard: isHard(reason, finalStatus, replyCode),
    diagnostic,
  };
}
