/**
 * The forms feature's maintenance job, run by the worker: sends confirmation mails that are still due (the
 * sign-up route sends at once; this retries failures), purges sign-ups never confirmed and spent tokens past
 * expiry, then queues itself again. Carries no data: it re-reads the tables.
 */
import { enqueueJob, registerJob, type JobContext } from '../jobs/jobs.js';
import { mailSenderFromConfig } from '../mail/mail-sender.js';
import { hasPendingJob } from './forms.repository.js';
import { purgeExpiredSignups } from './purge-signups.js';
import { sendDueConfirmations } from './send-confirmations.js';

export const FORMS_MAINTENANCE_JOB = 'forms.maintenance';
const EVERY_MS = 10 * 60_000;

async function maintenance(_payload: unknown, ctx: JobContext): Promise<void> {
  const { db, config } = ctx;
  const mailSender = mailSenderFromConfig(config, (line) => ctx.log.info(line));
  try {
    const sent = await sendDueConfirmations({ db, mailSender, secret: config.secretKey, baseUrl: config.baseUrl, now: ctx.now() });
    const purged = await purgeExpiredSignups({ db, now: ctx.now() });
    ctx.log.info({ ...sent, purgedSignups: purged.signups, purgedTokens: purged.tokens }, 'forms maintenance');
  } finally {
    await mailSender.close();
    await scheduleFormsMaintenance({ db, now: ctx.now(), delayMs: EVERY_MS, excludeJobId: ctx.jobId });
  }
}

/** Queues the maintenance job unless one is already waiting (the chain restarts itself after any gap). */
export async function scheduleFormsMaintenance(o: { db: JobContext['db']; now: Date; delayMs?: number; excludeJobId?: number }): Promise<void> {
  if (await hasPendingJob(o.db, FORMS_MAINTENANCE_JOB, o.excludeJobId)) return;
  await enqueueJob(o.db, FORMS_MAINTENANCE_JOB, {}, { runAt: new Date(o.now.getTime() + (o.delayMs ?? 0)), maxAttempts: 3 });
}

registerJob(FORMS_MAINTENANCE_JOB, maintenance, { maxAttempts: 3, backoffMs: 60_000 });
