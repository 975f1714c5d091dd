import { mapSesNotification, type ProviderEvent } from './webhooks/ses.js';

/**
 * Amazon SES can send its bounce, complaint and delivery notifications as mail (SNS email subscriptions):
 * a JSON document in the body. Returns undefined when the text holds no such document.
 */
export function readJsonNotification(text: string): ProviderEvent | undefined {
  const start = text.indexOf('{"notificationType"') !== -1 ? text.indexOf('{"notificationType"') : text.indexOf('{"eventType"');
  if (start === -1) return undefined;
  const end = text.lastIndexOf('}');
  if (end < start) return undefined;
  const candidate = text.slice(start, end + 1);
  for (const attempt of [candidate, candidate.replace(/!\n ?/g, '').replace(/\n/g, '')]) {
    try {
      const event = mapSesNotification(JSON.parse(attempt));
      if (event) return event;
    } catch {
      // Mail transport folds long lines ("!" and a newline); the second attempt undoes that.
    }
  }
  return undefined;
}
