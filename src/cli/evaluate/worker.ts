/**
 * Worker thread of `listwarden evaluate`: answers pieces of complete lines (answer-chunk.ts) and hands back
 * the answers already encoded as UTF-8, so that the main thread only writes bytes in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CaseDefaults } from '../../engine/parse-case.js';
import { answerChunk } from './answer-chunk.js';
import type { PieceReply, PieceRequest } from './pool.js';

const port = parentPort;
if (port === null) throw new Error('evaluate/worker.ts runs only as a worker thread');
const defaults = (workerData as { defaults: CaseDefaults }).defaults;

port.on('message', (m: PieceRequest) => {
  let reply: PieceReply;
  try {
    const r = answerChunk(m.bytes, m.firstLine, defaults);
    // The answer's memory is its own (AnswerBytes never uses Node's shared pool), so it moves without a copy.
    reply = { id: m.id, out: r.out, anyError: r.anyError };
    port.postMessage(reply, [r.out.buffer as ArrayBuffer]);
  } catch (e) {
    reply = { id: m.id, failure: e instanceof Error ? e.stack ?? e.message : String(e) };
    port.postMessage(reply);
  }
});
port.postMessage({ ready: true });
