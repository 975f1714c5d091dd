// What the HTTP benches (api, public) share: a scratch-schema database handle, the servers in a child process
// (so the load generator does not share their event loop), and CPU readings for the server and its
// PostgreSQL backends, which do not depend on how busy the rest of the machine is, unlike requests per second.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { createPostgresPool, type Db } from '../src/db/database.js';
import type { Database } from '../src/db/schema.js';

export const benchDatabaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function openBenchDb(options: { schema: string; max: number; appName?: string }): Db {
  const url = benchDatabaseUrl;
  const withName = options.appName ? `${url}${url.includes('?') ? '&' : '?'}application_name=${options.appName}` : url;
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPostgresPool({ url: withName, max: options.max, searchPath: options.schema }) }) }) as Db;
}

/** CPU milliseconds used so far by the PostgreSQL backends named `appName` (same machine: read from /proc). */
export async function backendCpu(db: Db, appName: string): Promise<number> {
  const pids = (await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${appName}`.execute(db)).rows.map((r) => r.pid);
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch { /* the database is not on this machine, or the backend ended */ }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** In the child: serve the hello-world baseline and report the port to the parent. */
export async function serveHelloWorld(): Promise<void> {
  const app = Fastify();
  app.get('/hello', async () => ({ hello: 'world' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send!({ port: (app.server.address() as { port: number }).port });
}

/** In the child: answer the parent's CPU questions, and end with the parent. */
export function answerParent(): void {
  process.on('message', (m: unknown) => { if (m === 'cpu') process.send!({ cpu: process.cpuUsage() }); });
  process.on('disconnect', () => process.exit(0));
}

/** In the parent: run `script` again as a child with `args`; resolves with the port it reports. */
export function startChild(options: { script: string; mode: string; args: string[] }): Promise<{ child: ChildProcess; port: number }> {
  const execArgv = ['--import', 'tsx', ...(process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.tmp/bench-prof'] : [])];
  const child = fork(options.script, ['--child', options.mode, ...options.args], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: any) => resolve({ child, port: m.port }));
    child.once('exit', (code) => reject(new Error(`${options.mode} server exited with ${code}`)));
  });
}

/** CPU milliseconds the child has used so far. */
export function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: any) => { if (m && m.cpu) { child.off('message', on); resolve((m.cpu.user + m.cpu.system) / 1000); } };
    child.on('message', on);
    child.send('cpu');
  });
}

/** The number given as `--name=N` on the command line, or the fallback. */
export function numberFlag(name: string, fallback: number): number {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  return given === undefined ? fallback : Number(given.slice(name.length + 3));
}
