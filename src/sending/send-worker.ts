/**
 * The send worker: claims a batch of due recipients, re-evaluates them with the engine, then sends each message
 * over its own SMTP transaction. No database transaction is open while SMTP runs (claim, commit, send, record).
 *
 * Once across a crash, but for a window of microseconds: a message's final "." is the moment the server takes
 * it. The worker streams the whole message and holds back its "."; the `sent` marks of the messages ready at the
 * same moment go in one UPDATE (fenced by their claim), and once it has answered, one synchronous stretch of
 * JavaScript writes the dots of the rows still owned straight to their sockets, then the COMMIT (createSentGate).
 * A crash before that stretch leaves the rows `sending` and the messages unfinished (the server discards them);
 * once their lease expires they are queued again. A crash after it finds them `sent`.
 *
 * A crash inside it (one socket write per dot, some 20 µs each on loopback) is covered by the send journal
 * (send-journal.ts): just before each dot goes into the kernel the worker appends `<row id> <claim>` to a file of
 * its own (`<dataDir>/send-journal/<host>-<pid>-<startMs>.log`, one write, no fsync: it must outlive the process,
 * not the machine). Before it puts expired claims back (`requeueExpired`, and so at its start), every worker
 * reads the journals of this database left by processes of its host that are gone, marks those rows `sent`
 * (only rows still `sending` under the journaled claim) and deletes the files.
 * Why the line goes first: a SIGKILL takes effect when the system call under way returns. With the dot first,
 * a kill arriving during the dot's write (some 20 µs on loopback, where the call delivers to the server and wakes
 * it) left the dot gone and no line: that message went twice (crash test: 5 runs of 137 with one duplicate).
 * With the line first, a kill during the dot's write finds the line written; only one arriving during the line's
 * own write (1-2 µs, a write to the page cache) or the few instructions before the dot's write can lose that one
 * message, its row marked `sent` by recovery. A dot that ends up waiting in Node's buffer (the kernel's was full)
 * has its line taken back at once and written again once the dot has left (smtp-connections.ts). A worker
 * truncates its journal when every row it names is committed (past 1 MB) and deletes it when it stops cleanly.
 * Limit: a worker on another host cannot read this host's journals; if one of them puts the claims of a dead
 * worker here back first, those messages go twice, as without a journal. A COMMIT that fails after its dots
 * leaves its rows to the same worker, which marks them from memory before its next `requeueExpired`.
 */
import { sql } from 'kysely';
import { databaseKind, postgresPoolOf, type Db } from '../db/database.js';
import { hasLimits, type PacingLimits } from './pacing.js';
import { startSharedPacer } from './shared-pacer.js';
import { prepareMessage, type PreparedMessage, type SendContext } from './prepare-message.js';
import { decide, DEFAULT_RETRY, enhancedStatus, HELD_BACK_REPLY, type RetryPolicy } from './retry-policy.js';
import { createSmtpConnections, type FinalDot, type SmtpTarget } from './smtp-connections.js';
import { evaluateRecipients } from './evaluate-recipients.js';
import { contextFromInput, loadSendInput, type SendInput } from './load-send-context.js';
import { createRenderPool, type Prepared } from './render-pool.js';
import { claimRecipients, countHostWorkers, finishSends, listSendingSends, markJournaled, markSent, markSentQuery, unmarkSentSql, outboxFingerprint, recordBlocked, recordOutcomes, renewLease, requeueExpired, type ClaimedRecipient, type Outcome } from './outbox.repository.js';
import { findLeftJournals, openSendJournal, removeJournal, type SendJournal } from './send-journal.js';
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
  /**
   * The folder of the send journals (`<dataDir>/send-journal`), shared by the workers of this host; without it
   * no journal is kept and none is read (a kill between a group's dots and its COMMIT then sends them twice).
   * `maxBytes`: the size past which the journal is truncated once every row it names is committed (1 MB).
   */
  journal?: { dir: string; maxBytes?: number };
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

/** A message whose body has been streamed, waiting for its `sent` mark to let its final dot go. */
type Held = {
  id: number; claim: string; recheck: Verdict;
  /**
   * Called once its mark is in the COMMIT being written (`owned`) or lost to another claim: writes its dot (and
   * its journal line), or abandons it. Returns how the dot went (undefined: it did not).
   */
  release: (owned: boolean) => FinalDot | undefined;
  fail: (err: Error) => void;
};

/**
 * Groups the `sent` commits of messages that reach their "." at the same moment into one UPDATE, and writes
 * their dots with as little time as possible between them and the COMMIT.
 *
 * On PostgreSQL the group runs on a pg client of the worker's own (`postgresPoolOf`), so that the worker itself
 * writes the COMMIT: once the UPDATE has answered which rows this claim still owns, one synchronous stretch of
 * JavaScript writes every owned message's dot (`socket.write`, smtp-connections.ts) and then the COMMIT (pg
 * writes it before `client.query` returns: the client is idle, its UPDATE has answered), nothing awaited or
 * queued between them. What is left is one socket write per dot (15-20 µs each to a loopback server). Measured
 * on the worker's socket writes (600 messages in groups of 3.4, loopback, 2 busy cores, three runs each): first
 * dot to COMMIT took a median 124-160 µs (p95 0.4-1.7 ms: preemption), where COMMIT to last dot took 153-202 µs
 * (p95 0.4-3.2 ms) when the dots went through nodemailer's stream after Kysely's COMMIT.
 *
 * Dots first, COMMIT second: a kill between them leaves a message delivered whose row is still `sending`; the
 * journal line written just before each dot lets the next worker of this host mark it `sent` instead of sending
 * it again (see the header). The other order would leave a row `sent` whose message was never finished, with
 * nothing to show it. A COMMIT that fails after its dots were written leaves its rows to this worker, which
 * marks them `sent` before its next `requeueExpired` (`unconfirmed`).
 *
 * A handle without its pool (made elsewhere than `postgresDatabase`) commits through a Kysely transaction, the
 * dots written inside it, before Kysely writes the COMMIT a few microtasks later. PGlite commits in-process,
 * so its answer already means committed: the dots follow it.
 *
 * `stats` counts how the dots went: 'written' (in the kernel at once) or 'queued' (nodemailer's internals
 * missing, or bytes still in Node's buffers ahead of the dot: it leaves a few ticks later).
 *
 * `unconfirmed`: rows whose dot was written but whose group failed to commit (the worker marks them before its
 * next `requeueExpired`). `onIdle` runs whenever no mark is waiting or committing (the journal's truncation).
 */
function createSentGate(db: Db, onIdle: () => void) {
  let pending: Held[] = [];
  const postgres = databaseKind(db) === 'postgres';
  const pool = postgres ? postgresPoolOf(db) : undefined;
  const stats = { written: 0, queued: 0 };
  const unconfirmed: { id: number; claim: string }[] = [];
  /**
   * Writes the dots of the owned messages (each one's journal line just before it), noting them in `released`
   * and those whose connection was lost in `stuck`; returns those the claim lost (abandoned after the COMMIT).
   */
  function releaseOwned(batch: Held[], owned: Set<number>, released: Held[], stuck: number[]): Held[] {
    const lost: Held[] = [];
    for (const p of batch) {
      if (!owned.has(p.id)) { lost.push(p); continue; }
      const how = p.release(true);
      if (how) { stats[how] += 1; released.push(p); }
      else stuck.push(p.id); // its connection was lost while it waited: no dot went, its `sent` mark must not stay
    }
    return lost;
  }
  async function markAndRelease(batch: Held[], released: Held[]): Promise<void> {
    const items = batch.map((p) => ({ id: p.id, claim: p.claim, verdict: p.recheck.verdict, reasons: p.recheck.reasons }));
    // Rows marked sent whose message could not get its dot: put back to `sending`, lease over, in the same
    // transaction as the marks (PGlite: right after them), so no commit leaves them `sent`; the attempt's outcome
    // (connection lost) then queues them again, or requeueExpired does if the worker dies first.
    const stuck: number[] = [];
    if (!postgres) {
      const owned = await markSent(db, items);
      for (const p of releaseOwned(batch, owned, released, stuck)) p.release(false);
      if (stuck.length > 0) await sql.raw(unmarkSentSql(stuck)).execute(db);
      return;
    }
    // No fsync wait for this commit: a worker crash cannot lose it (the server has it); only a crash of the
    // database server itself within ~0.6 s could, and those messages would then be sent a second time.
    if (!pool) {
      let lost: Held[] = [];
      await db.transaction().execute(async (trx) => {
        const owned = await markSent(trx, items, { synchronousCommit: false });
        lost = releaseOwned(batch, owned, released, stuck);
        if (stuck.length > 0) await sql.raw(unmarkSentSql(stuck)).execute(trx);
      });
      for (const p of lost) p.release(false);
      return;
    }
    const query = markSentQuery(items, { synchronousCommit: false }).compile(db);
    const client = await pool.connect();
    // A checked-out pg client has no 'error' listener of the pool's; its query promises carry the error.
    const ignore = () => undefined;
    client.on('error', ignore);
    try {
      await client.query('begin');
      const r = await client.query<{ id: number }>(query.sql, query.parameters as unknown[]);
      const owned = new Set(r.rows.map((x) => Number(x.id)));
      // The synchronous stretch: the dots, then the COMMIT written by `client.query` before it returns (the
      // client is idle: its UPDATE has answered). Nothing may be awaited or queued between these lines.
      const lost = releaseOwned(batch, owned, released, stuck);
      // One simple-protocol message, written before `query` returns: the unmark (rare) and the COMMIT together.
      const committed = client.query(stuck.length > 0 ? `${unmarkSentSql(stuck)}; commit` : 'commit');
      for (const p of lost) p.release(false);
      await committed;
    } catch (err) {
      // The connection is closed rather than returned (closing it ends any transaction still open on it).
      client.removeListener('error', ignore);
      client.release(err as Error);
      throw err;
    }
    client.removeListener('error', ignore);
    client.release();
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
    if (!scheduled && pending.length === 0 && inFlight === 0) { onIdle(); for (const w of whenIdle.splice(0)) w(); return; }
    if (scheduled || pending.length === 0 || inFlight >= MAX_IN_FLIGHT) return;
    scheduled = true;
    const run = () => {
      scheduled = false;
      if (pending.length === 0 || inFlight >= MAX_IN_FLIGHT) return;
      const batch = pending;
      pending = [];
      inFlight += 1;
      const released: Held[] = [];
      markAndRelease(batch, released).catch((err) => {
        // A message not released yet is abandoned (no dot). One released before its COMMIT failed has its row
        // still `sending`: the worker marks it `sent` before its next `requeueExpired` (and its journal keeps it
        // should the process die first); the caller logs the error.
        for (const p of released) unconfirmed.push({ id: p.id, claim: p.claim });
        for (const p of batch) p.fail(err as Error);
      }).finally(() => { inFlight -= 1; schedule(); });
    };
    // A small group waits up to GATHER_MS for more: each group costs a transaction (three round trips), and a
    // message's lane waits for its commit anyway.
    if (postgres && pending.length < GROUP) setTimeout(run, GATHER_MS);
    else setImmediate(run);
  }
  return {
    stats,
    unconfirmed,
    /** Queues a held message for the next group commit (see `Held`). */
    hold: (held: Held) => {
      pending.push(held);
      schedule();
    },
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
  // Opened at the first maintenance, before the first claim (it needs the database's fingerprint).
  let journal: SendJournal | undefined;
  let fingerprint: string | undefined;
  const sentGate = createSentGate(db, () => { if (sentGate.unconfirmed.length === 0) journal?.compact(); });
  let queuedLogged = false;
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
    await markFinished();
    const requeued = await requeueExpired(db);
    if (requeued > 0) log({ msg: 'requeued recipients of an expired claim', requeued });
    await finishSends(db);
  }

  /**
   * Before expired claims are put back: marks `sent` the rows whose dot this worker wrote without a COMMIT that
   * went through, and those the journals of dead workers of this host name (then deletes those files).
   */
  async function markFinished(): Promise<void> {
    await markUnconfirmed();
    if (!options.journal) return;
    fingerprint ??= await outboxFingerprint(db);
    journal ??= openSendJournal({ dir: options.journal.dir, fingerprint, maxBytes: options.journal.maxBytes });
    for (const left of findLeftJournals({ dir: options.journal.dir, fingerprint, own: journal.path })) {
      const marked = await markJournaled(db, left.rows, left.lastWrite);
      // Deleted only once its rows are committed: a worker reading it meanwhile marks the same rows, no more.
      removeJournal(left.path);
      log({ msg: 'send journal of a stopped worker read: its rows marked sent', journal: left.path, pid: left.pid, rows: left.rows.length, marked });
    }
  }

  async function markUnconfirmed(): Promise<void> {
    if (sentGate.unconfirmed.length === 0) return;
    const rows = sentGate.unconfirmed.splice(0);
    try {
      const marked = await markJournaled(db, rows, new Date());
      log({ msg: 'rows whose final dot went before a failed commit marked sent', rows: rows.length, marked });
    } catch (err) {
      sentGate.unconfirmed.push(...rows);
      throw err;
    }
  }

  async function sendOne(claim: string, ctx: SendContext, row: ClaimedRecipient, recheck: Verdict & { fields: Record<string, unknown> }, ready: PreparedMessage | { error: string } | undefined, outcomes: Outcome[]): Promise<void> {
    const { fields } = recheck;
    const verdict = { verdict: recheck.verdict, reasons: recheck.reasons };
    const domain = row.email.slice(row.email.lastIndexOf('@') + 1);
    const wait = pacer.reserve(domain, now().getTime());
    if (wait > 0) {
      outcomes.push({ id: row.id, kind: 'defer', delayMs: wait, reply: HELD_BACK_REPLY, recheck: verdict });
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
    const dotJournal = journal && { record: () => journal?.record(row.id, claim), retract: () => journal?.retract(row.id, claim) };
    const outcome = await smtp.sendGated({ from: message.envelopeFrom, to: row.email }, message.raw, {
      verbatim: message.verbatim,
      gate: (finish) => sentGate.hold({
        id: row.id, claim, recheck: verdict,
        // A dot that could not go (its connection lost meanwhile) leaves the row to its SMTP outcome, a retry.
        release: (owned) => { const how = finish(owned, owned ? dotJournal : undefined); state.committed = owned && how !== undefined; return how; },
        fail: (err) => { finish(err); },
      }),
    });
    if (sentGate.stats.queued > 0 && !queuedLogged) {
      queuedLogged = true;
      log({ msg: 'a final dot was queued, not written at once beside its COMMIT', ...sentGate.stats });
    }
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
      await sentGate.settled();
      // Rows of a failed commit are marked now if the database answers; else the journal stays for the next worker.
      await markUnconfirmed().catch((err) => log({ msg: 'send worker could not mark its last rows sent', error: (err as Error).message }));
      journal?.close({ keep: sentGate.unconfirmed.length > 0 });
      await shared?.close();
      await smtp.close();
      await pool?.close();
    },
  };
}
