/**
 * A render thread: builds each send's context once, then renders and DKIM-signs messages for the worker's main
 * thread, which keeps only SMTP and the database. The message bytes go back as transferred buffers (no copy).
 */
import { parentPort } from 'node:worker_threads';
import { contextFromInput, type SendInput } from './load-send-context.js';
import { prepareMessage, type Recipient, type SendContext } from './prepare-message.js';

export type ThreadRequest =
  | { type: 'context'; input: SendInput }
  | { type: 'prepare'; id: number; sendId: number; recipients: Recipient[]; now: number; secret: string; baseUrl: string };

export type ThreadReply = { id: number; results: ({ envelopeFrom: string; messageId: string; raw: Uint8Array } | { error: string })[] };

const contexts = new Map<number, SendContext | undefined>();

parentPort?.on('message', (m: ThreadRequest) => {
  if (m.type === 'context') {
    contexts.set(m.input.sendId, contextFromInput(m.input));
    return;
  }
  const ctx = contexts.get(m.sendId);
  const transfer: ArrayBuffer[] = [];
  const results = m.recipients.map((recipient) => {
    if (!ctx) return { error: 'send context unavailable' };
    try {
      const p = prepareMessage({ ctx, recipient, secret: m.secret, baseUrl: m.baseUrl, now: new Date(m.now) });
      const raw = new Uint8Array(p.raw.buffer, p.raw.byteOffset, p.raw.byteLength).slice();
      transfer.push(raw.buffer);
      return { envelopeFrom: p.envelopeFrom, messageId: p.messageId, raw };
    } catch (err) {
      return { error: (err as Error).message };
    }
  });
  parentPort!.postMessage({ id: m.id, results } satisfies ThreadReply, transfer);
});
