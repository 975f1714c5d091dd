/**
 * The send worker: claims a batch of due recipients, re-evaluates them with the engine, then sends each message
 * over its own SMTP transaction. No database transaction is open while SMTP runs (claim, commit, send, record).
 *
 * Exactly once across a crash: a message's final "." is the moment the server takes it. The worker streams the
 * whole message, then commits `sent` (fenced by its claim, grouped with other messages ready at the same
 * moment), and only then lets the "." go out. A crash before that commit leaves the row `sending`; once its
 * lease expires it is queued again, and the server has discarded the unfinished transaction. A crash after the
 * commit can lose only a message whose "." had not reached the socket, a window of microseconds.
 */
import { Readable } from 'node:stream';
import { databaseKind, type Db } from '../db/database.js';
import { hasLimits, type PacingLimits } from './pacing.js';
import { startSharedPacer } from './shared-pacer.js';
import { prepareMessage, type PreparedMessage, type SendContext } from './prepare-message.js';
import { decide, DEFAULT_RETRY, enhancedStatus, type RetryPolicy } from './retry-policy.js';
import { createSmtpConnections, type SmtpTarget } from './smtp-connections.js';
import { evaluateRecipients } from './evaluate-recipients.js';
import { contextFromInput, loadSendInput, type SendInput } from './load-send-context.js';
import { createRenderPool, type Prepared } from './render-pool.js';
import { claimRecipients, countHostWorkers, finishSends, listSendingSends, markSent, recordBlocked, recordOutcomes, renewLease, requeueExpired, type ClaimedRecipient, type Outcome } from './outbox.repository.js';
import { recordBounce } from './record-bounce.js';

export type BounceEvent = { workspaceId: string; contactId: string; sendId: number; reply: string; status: string | null; hard: boolean; at: Date };

export type SendWorkerOptions = {
  db: Db;
  workerId: string;
  smtp: SmtpTarget;
  connections: number;
  batchSize: number;
  leaseMs: number;
  pollMs: number;
  secret: string;
  baseUrl: string;
  /** Rate limits, shared with every other worker on the database (shared-pacer.ts). */
  pacing?: PacingLimits;
  /** How often a worker with rate limits refreshes its count of the workers, and when a silent one stops counting. */
  pacingHeartbeat?: { refreshMs: number; ttlMs: number };
  retry?: RetryPolicy;
  now?: () => Date;
  random?: () => number;
  log?: (entry: Record<string, unknown>) => void;
  /** Threads that render and sign ahead of sending (0: on the main thread). */
  renderThreads?: number;
  /**
   * Workers naming the same host share its CPUs: each uses at most its share of them, its main thread included
   * (`renderThreads` is lowered while other workers of the host hold claims; on 2 CPUs a second worker renders
   * on its main thread). Without it, `renderThreads` is used as given.
   */
  host?: { id: string; cpus: number };
  /** Called for each 5xx reply; the default records the bounce for the engine (bounces module may replace it). */
  onBounce?: (event: BounceEvent) => Promise<void>;
};

export type SendWorker = {
  /** Processes one batch, its `sent` marks committed; returns how many recipients it claimed (0 when nothing was due). */
  runOnce(): Promise<number>;
  /** Stops claiming, finishes the batch in flight, closes the SMTP connections. */
  stop(): Promise<void>;
  /** Resolves when the loop has exited (after `stop`). */
  done: Promise<void>;
};

/** The engine's verdict just before sending, as stored with the row. */
type Verdict = { verdict: string; reasons: unknown[] };

/**
 * Groups the `sent` commits of messages that reach their "." at the same moment into one UPDATE, and lets the
 * dots go with as little time as possible between the commit and them. On PostgreSQL the UPDATE runs in a
 * transaction and the waiting messages are released inside it, so that COMMIT and the dots are written to their
 * sockets in the same turn of the event loop: a kill can no longer fall between a commit that the worker has
 * not heard of yet and the dot (that gap, one network round trip plus whatever work was queued, lost three
 * messages out of 1,500 in the crash test). PGlite commits in-process, so its answer already means committed.
 */
function createSentGate(db: Db) {
  let pending: { id: number; claim: string; recheck: Verdict; resolve: (owned: boolean) => void; reject: (err: unknown) => void }[] = [];
  const postgres = databaseKind(db) === 'postgres';
  async function markAndRelease(batch: typeof pending): Promise<void> {
    const items = batch.map((p) => ({ id: p.id, claim: p.claim, verdict: p.recheck.verdict, reasons: p.recheck.reasons }));
    if (!postgres) {
      const owned = await markSent(db, items);
      for (const p of batch) p.resolve(owned.has(p.id));
      return;
    }
    await db.transaction().execute(async (trx) => {
      // No fsync wait for this commit: a worker crash cannot lose it (the server has it); only a crash of the
      // database server itself within ~0.6 s could, and those messages would then be sent a second time.
      const owned = await markSent(trx, items, { synchronousCommit: false });
      for (const p of batch) p.resolve(owned.has(p.id));
    });
  }
  // Several groups may be committing at once (each on its own pooled connection), so a message that becomes
  // ready during a commit waits for one commit, not for the end of another one and then its own.
  const MAX_IN_FLIGHT = postgres ? 2 : 1;
  // Measured at 30,000 messages: groups of 8 on average cost 55 µs of server time a message (begin, update,
  // commit); gathering up to 24 for at most 2 ms made them 18 and the cost 41 µs.
  const GROUP = 24;
  const GATHER_MS = 2;
  let inFlight = 0;
  let scheduled = false;
  // Waiting for every commit under way to end (see `settled`).
  const whenIdle: (() => void)[] = [];
  function schedule(): void {
    if (!scheduled && pending.length === 0 && inFlight === 0) { for (const w of whenIdle.splice(0)) w(); return; }
    if (scheduled || pending.length === 0 || inFlight >= MAX_IN_FLIGHT) return;
    scheduled = true;
    const run = () => {
      scheduled = false;
      if (pending.length === 0 || inFlight >= MAX_IN_FLIGHT) return;
      const batch = pending;
      pending = [];
      inFlight += 1;
      markAndRelease(batch).catch((err) => {
        // Released messages whose COMMIT then failed would be sent again later; the caller logs the error.
        for (const p of batch) p.reject(err);
      }).finally(() => { inFlight -= 1; schedule(); });
    };
    // A small group waits up to GATHER_MS for more: each group costs a transaction (three round trips), and a
    // message's lane waits for its commit anyway.
    if (postgres && pending.length < GROUP) setTimeout(run, GATHER_MS);
    else setImmediate(run);
  }
  return {
    commit: (id: number, claim: string, recheck: Verdict) => new Promise<boolean>((resolve, reject) => {
      pending.push({ id, claim, recheck, resolve, reject });
      schedule();
    }),
    /**
     * Resolves once no sent mark is waiting or committing. On PostgreSQL a message's dot leaves before its COMMIT
     * is answered, so the end of a batch waits here before asking whether its send is finished; otherwise that
     * question could still see the last rows `sending` and leave the send open.
     */
    settled: () => new Promise<void>((resolve) => {
      if (!scheduled && pending.length === 0 && inFlight === 0) resolve();
      else whenIdle.push(resolve);
    }),
  };
}

/** The message bytes, whose end (and so the SMTP "." after it) waits for the `sent` commit. */
function gatedMessage(raw: Buffer, commit: () => Promise<boolean>, state: { committed: boolean }): Readable {
  let stage = 0;
  return new Readable({
    read() {
      if (stage === 0) { stage = 1; this.push(raw); return; }
      if (stage !== 1) return;
      stage = 2;
      commit().then(
        (owned) => {
          state.committed = owned;
          if (owned) this.push(null);
          else this.destroy(new Error('claim lost before the final dot; not sent'));
        },
        (err) => this.destroy(err as Error),
      );
    },
  });
}

export function startSendWorker(options: SendWorkerOptions, { loop = true } = {}): SendWorker {
  const { db, workerId } = options;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => {});
  const retry = options.retry ?? DEFAULT_RETRY;
  // Without limits nothing registers or waits; with them the worker takes its share of each limit.
  const shared = options.pacing && hasLimits(options.pacing)
    ? startSharedPacer({ db, workerId, limits: options.pacing, now: () => now().getTime(), ...options.pacingHeartbeat, log })
    : undefined;
  const pacer = shared ?? { reserve: () => 0 };
  const smtp = createSmtpConnections({ target: options.smtp, size: options.connections });
  const sentGate = createSentGate(db);
  let batchSeq = 0;
  const onBounce = options.onBounce ?? ((e: BounceEvent) => recordBounce({ db, event: e }));
  const contexts = new Map<number, Promise<{ input: SendInput; ctx: SendContext } | undefined>>();
  const pool = options.renderThreads ? createRenderPool({ threads: options.renderThreads, secret: options.secret, baseUrl: options.baseUrl }) : undefined;
  const loadContext = async (sendId: number) => {
    const input = await loadSendInput({ db, sendId });
    const ctx = input && contextFromInput(input);
    return input && ctx ? { input, ctx } : undefined;
  };
  let stopping = false;
  let lastMaintenance = 0;
  // Render threads in use: the configured number, or fewer when other workers of the host are busy too.
  let renderThreads = options.renderThreads ?? 0;

  async function maintenance(): Promise<void> {
    const t = Date.now();
    if (t - lastMaintenance < Math.min(1000, options.leaseMs / 2)) return;
    lastMaintenance = t;
    if (pool && options.host) {
      const workers = Math.max(1, await countHostWorkers(db, `${options.host.id}:`));
      const share = Math.max(0, Math.floor(options.host.cpus / workers) - 1);
      const next = Math.min(options.renderThreads ?? 0, share);
      if (next !== renderThreads) log({ msg: 'render threads follow this host\'s busy workers', workers, renderThreads: next });
      renderThreads = next;
      if (next > 0) pool.setActiveThreads(next);
    }
    const requeued = await requeueExpired(db);
    if (requeued > 0) log({ msg: 'requeued recipients of an expired claim', requeued });
    await finishSends(db);
  }

  async function sendOne(claim: string, ctx: SendContext, row: ClaimedRecipient, recheck: Verdict & { fields: Record<string, unknown> }, ready: PreparedMessage | { error: string } | undefined, outcomes: Outcome[]): Promise<void> {
    const { fields } = recheck;
    const verdict = { verdict: recheck.verdict, reasons: recheck.reasons };
    const domain = row.email.slice(row.email.lastIndexOf('@') + 1);
    const wait = pacer.reserve(domain, now().getTime());
    if (wait > 0) {
      outcomes.push({ id: row.id, kind: 'defer', delayMs: wait, reply: 'held back by the sending rate limit', recheck: verdict });
      return;
    }
    const at = now();
    if (ready && 'error' in ready) {
      outcomes.push({ id: row.id, kind: 'retry', delayMs: 60_000, reply: `not rendered: ${ready.error}`, recheck: verdict });
      return;
    }
    const message = ready ?? prepareMessage({
      ctx, secret: options.secret, baseUrl: options.baseUrl, now: at,
      recipient: { id: row.id, contactId: row.contact_id, email: row.email, idempotencyKey: row.idempotency_key, fields },
    });
    const state = { committed: false };
    const outcome = await smtp.send({ from: message.envelopeFrom, to: row.email }, gatedMessage(message.raw, () => sentGate.commit(row.id, claim, verdict), state), { verbatim: message.verbatim });
    const decision = decide(outcome, { attempt: row.attempts, policy: retry, jitter: random() });
    if (decision.kind === 'sent') return;
    // Committed, dot written, then the connection failed before the reply: the server most likely has it, and
    // sending again could duplicate it. Only a definite SMTP reply changes a committed row.
    if (state.committed && !('responseCode' in outcome && outcome.responseCode)) {
      log({ msg: 'no reply after the final dot; kept as sent', id: row.id, reply: decision.kind === 'retry' ? decision.reply : '' });
      return;
    }
    if (decision.kind === 'retry') outcomes.push({ id: row.id, kind: 'retry', delayMs: decision.delayMs, reply: decision.reply, recheck: verdict });
    else if (decision.kind === 'give_up') outcomes.push({ id: row.id, kind: 'retry_exhausted', reply: decision.reply, recheck: verdict });
    else {
      outcomes.push({ id: row.id, kind: 'bounced', reply: decision.reply, recheck: verdict });
      await onBounce({ workspaceId: row.workspace_id, contactId: row.contact_id, sendId: row.send_id, reply: decision.reply, status: decision.status ?? enhancedStatus(decision.reply), hard: decision.hard, at });
    }
  }

  type Ready = { claim: string; claimedAt: number; ctx: SendContext; rows: ClaimedRecipient[]; rechecks: Map<number, Verdict & { fields: Record<string, unknown> }>; prepared?: Map<number, Promise<Prepared>> };
  // Per send, the last id this worker claimed: its next claim of that send starts after it (`claimRecipients`).
  const cursors = new Map<number, number>();

  /**
   * Claims up to a batch over the running sends, oldest first: for each, from its cursor, then from its start for
   * what that left short (retries and rows put back sit below the cursor).
   */
  async function claimNext(claim: string): Promise<ClaimedRecipient[]> {
    const sends = await listSendingSends(db);
    // A send that stopped running (done, paused, cancelled) loses its cursor: resumed, it is walked from its first
    // queued row again, which the partial index makes as cheap as from the cursor.
    for (const id of cursors.keys()) if (!sends.includes(id)) cursors.delete(id);
    const out: ClaimedRecipient[] = [];
    for (const sendId of sends) {
      const need = options.batchSize - out.length;
      if (need <= 0) break;
      const after = cursors.get(sendId) ?? 0;
      const ahead = await claimRecipients(db, { claim, sendId, limit: need, leaseMs: options.leaseMs, after });
      const behind = ahead.length < need && after > 0 ? await claimRecipients(db, { claim, sendId, limit: need - ahead.length, leaseMs: options.leaseMs }) : [];
      const moved = ahead.length > 0 ? ahead : behind;
      cursors.set(sendId, moved.reduce((m, r) => Math.max(m, r.id), 0));
      out.push(...ahead, ...behind);
    }
    return out;
  }

  /** Claims a batch and re-evaluates it: everything up to the SMTP part, which the loop overlaps with sending. */
  async function prepareBatch(): Promise<{ claimed: number; ready: Ready[] }> {
    if (shared) await shared.ready;
    await maintenance();
    const claim = `${workerId}/${++batchSeq}`;
    // Taken before the claim is asked for, so the lease the database sets runs out no earlier than this plus leaseMs.
    const claimedAt = performance.now();
    const claimed = await claimNext(claim);
    const bySend = new Map<number, ClaimedRecipient[]>();
    for (const r of claimed) bySend.set(r.send_id, [...(bySend.get(r.send_id) ?? []), r]);
    const ready: Ready[] = [];
    for (const [sendId, rows] of bySend) {
      if (!contexts.has(sendId)) contexts.set(sendId, loadContext(sendId));
      const loaded = await contexts.get(sendId);
      if (!loaded) {
        log({ msg: 'send cannot be prepared; recipients put back', sendId });
        await recordOutcomes(db, claim, rows.map((r) => ({ id: r.id, kind: 'retry', delayMs: 60_000, reply: 'send context unavailable' })));
        continue;
      }
      const { ctx, input } = loaded;
      // Second evaluation, just before sending: an unsubscribe or a bounce since queueing blocks the message here.
      const verdicts = await evaluateRecipients({
        db, workspaceId: ctx.workspaceId, contactIds: rows.map((r) => r.contact_id),
        message: { channel: 'email', purpose: ctx.campaign.purpose, categories: ctx.campaign.categories }, at: now(),
      });
      // A blocked row ends here; the others carry their verdict to their next write (sent, or the SMTP outcome).
      const blocked = rows.filter((r) => verdicts.get(r.contact_id)!.answer.verdict !== 'send');
      await recordBlocked(db, claim, blocked.map((r) => {
        const v = verdicts.get(r.contact_id)!;
        return { id: r.id, verdict: v.answer.verdict, reasons: v.answer.reasons };
      }));
      const eligible = rows.filter((r) => verdicts.get(r.contact_id)!.answer.verdict === 'send');
      const rechecks = new Map(eligible.map((r) => {
        const v = verdicts.get(r.contact_id)!;
        return [r.id, { verdict: v.answer.verdict, reasons: v.answer.reasons, fields: v.fields }];
      }));
      // Not awaited: the threads render while this batch waits its turn, and sending starts with the first piece.
      let prepared: Map<number, Promise<Prepared>> | undefined;
      if (pool && renderThreads > 0 && eligible.length > 0) {
        const recipients = eligible.map((r) => ({ id: r.id, contactId: r.contact_id, email: r.email, idempotencyKey: r.idempotency_key, fields: rechecks.get(r.id)!.fields }));
        const out = pool.prepare(input, recipients, now());
        prepared = new Map(eligible.map((r, i) => [r.id, out[i]]));
      }
      ready.push({ claim, claimedAt, ctx, rows: eligible, rechecks, prepared });
    }
    return { claimed: claimed.length, ready };
  }

  async function sendBatch(batch: { claimed: number; ready: Ready[] }): Promise<void> {
    for (const { claim, claimedAt, ctx, rows: claimedRows, rechecks, prepared } of batch.ready) {
      // A batch that waited long behind the previous one gets its lease extended, and drops rows whose claim
      // lapsed. One claimed moments ago (the usual case) still holds most of its lease: renewing it would only
      // rewrite every row once more. Either way `sent` is fenced by the claim, so a lapsed row is never sent twice.
      const fresh = performance.now() - claimedAt < options.leaseMs / 3;
      const owned = fresh || claimedRows.length === 0 ? undefined : await renewLease(db, claim, options.leaseMs);
      const rows = owned ? claimedRows.filter((r) => owned.has(r.id)) : claimedRows;
      const outcomes: Outcome[] = [];
      let next = 0;
      const lanes = Array.from({ length: Math.min(options.connections, rows.length) }, async () => {
        while (next < rows.length) {
          const row = rows[next++];
          await sendOne(claim, ctx, row, rechecks.get(row.id)!, await prepared?.get(row.id), outcomes);
        }
      });
      await Promise.all(lanes);
      await recordOutcomes(db, claim, outcomes);
    }
    if (batch.claimed > 0 && batch.claimed < options.batchSize) {
      await sentGate.settled();
      await finishSends(db);
    }
  }

  async function runOnce(): Promise<number> {
    const batch = await prepareBatch();
    await sendBatch(batch);
    // On PostgreSQL the last dots of a full batch leave before their COMMIT is answered (see createSentGate):
    // one batch done means its rows read `sent` by anyone. The loop does not wait (the next batch is on its way).
    await sentGate.settled();
    return batch.claimed;
  }

  const done = (async () => {
    if (!loop) return;
    // The next batch is claimed and evaluated while the current one is on the wire.
    let upcoming: Promise<{ claimed: number; ready: Ready[] }> | undefined;
    while (!stopping) {
      try {
        const batch = await (upcoming ?? prepareBatch());
        upcoming = batch.claimed > 0 && !stopping ? prepareBatch() : undefined;
        // A failed prefetch surfaces when it is awaited in the next turn, never as an unhandled rejection.
        upcoming?.catch(() => undefined);
        await sendBatch(batch);
        if (batch.claimed === 0 && !stopping) await new Promise((r) => setTimeout(r, options.pollMs));
      } catch (err) {
        upcoming = undefined;
        log({ msg: 'send worker batch failed', error: (err as Error).message });
        await new Promise((r) => setTimeout(r, options.pollMs));
      }
    }
    // A batch prefetched when the stop came is still sent, so that its rows do not wait for their lease to expire.
    if (upcoming) await upcoming.then(sendBatch, () => undefined);
  })();

  return {
    runOnce,
    done,
    async stop() {
      stopping = true;
      await done;
      await shared?.close();
      await smtp.close();
      await pool?.close();
    },
  };
}
