/**
 * The loopback SMTP sink (test/support/smtp-sink.ts) in a child process of its own, for the crash test and the
 * send bench: the sink then does not compete with the code under test for the event loop, and a client killed
 * with SIGKILL (its sockets reset) cannot take the test runner down with it.
 *
 * Parent side: `startSinkProcess({ keepRaw })` → { port, count(), recipients(), close() }.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSmtpSink } from './support/smtp-sink.js';

type Reply = { id: number; count: number; recipients?: [string, number][] };

export type SinkProcess = {
  port: number;
  /** The child's process id (benches read its CPU time). */
  pid: number;
  host: string;
  count(): Promise<number>;
  /** Messages per recipient address (only with keepRaw). */
  recipients(): Promise<Map<string, number>>;
  waitFor(n: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
};

export async function startSinkProcess(options: { keepRaw: boolean }): Promise<SinkProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child', options.keepRaw ? 'raw' : 'count'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port: number = await new Promise((resolve, reject) => {
    child.once('message', (m: any) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`sink process exited (${code})`)));
  });
  let next = 0;
  const ask = (what: string) => new Promise<Reply>((resolve) => {
    const id = ++next;
    const on = (m: any) => { if (m.id === id) { child.off('message', on); resolve(m); } };
    child.on('message', on);
    child.send({ id, what });
  });
  return {
    port,
    pid: child.pid!,
    host: '127.0.0.1',
    count: async () => (await ask('count')).count,
    recipients: async () => new Map((await ask('recipients')).recipients ?? []),
    async waitFor(n, timeoutMs) {
      const start = Date.now();
      for (;;) {
        const c = (await ask('count')).count;
        if (c >= n) return;
        if (Date.now() - start > timeoutMs) throw new Error(`sink: ${c} of ${n} messages after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.send({ id: 0, what: 'close' }); }),
  };
}

if (process.argv[2] === '--child') {
  // A client killed mid-transaction resets its socket; that is expected here, not a failure of the sink.
  process.on('uncaughtException', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return;
    console.error(err);
    process.exit(1);
  });
  const sink = await startSmtpSink({ keepRaw: process.argv[3] === 'raw' });
  process.on('message', async (m: { id: number; what: string }) => {
    if (m.what === 'close') { await sink.close(); process.exit(0); }
    if (m.what === 'count') process.send!({ id: m.id, count: sink.count() });
    if (m.what === 'recipients') {
      const per = new Map<string, number>();
      for (const msg of sink.messages) for (const to of msg.to) per.set(to, (per.get(to) ?? 0) + 1);
      process.send!({ id: m.id, count: sink.count(), recipients: [...per] });
    }
  });
  process.send!({ port: sink.port });
}
