// CPU readings for the send bench, from /proc (same machine): per process and per thread, so that the figures do
// not depend on how busy the rest of the machine is. Times are in milliseconds (USER_HZ = 100: 10 ms resolution,
// fine over runs of tens of seconds).
import { readdirSync, readFileSync } from 'node:fs';

function ticksOf(statPath: string): number {
  try {
    const fields = readFileSync(statPath, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime
  } catch {
    return 0; // gone
  }
}

/** CPU ms of a whole process (every thread, dead ones included). */
export const processCpu = (pid: number) => ticksOf(`/proc/${pid}/stat`) * 10;

/** CPU ms of a process's main thread, and of all its other threads together (render threads, GC, libuv). */
export function threadCpu(pid: number): { main: number; others: number } {
  const total = processCpu(pid);
  const main = ticksOf(`/proc/${pid}/task/${pid}/stat`) * 10;
  return { main, others: total - main };
}

/** Busy CPU ms of the whole machine (all cores), from /proc/stat. */
export function machineBusy(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7]) * 10;
}

/** Pids of every process named `postgres` (backends and background processes). */
export function postgresPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}

/**
 * Follows the CPU of labelled processes through a phase, polling so that a process that ends during the phase
 * (a pooled PostgreSQL backend closed when idle) still counts up to its last reading. `discover` is called at
 * every poll to add processes (e.g. the backends named by application_name).
 */
export function cpuTracker(options: { discover?: () => Promise<[number, string][]>; everyMs?: number } = {}) {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const labels = new Map<number, string>();
  const mains = new Map<number, { first: number; last: number }>();
  let machine0 = machineBusy();
  let started = performance.now();
  const read = (pid: number) => {
    const ms = processCpu(pid);
    if (ms > 0) last.set(pid, ms);
    const m = mains.get(pid);
    if (m) { const t = threadCpu(pid).main; if (t > 0) m.last = t; }
  };
  const add = (pid: number, label: string, options2: { splitMain?: boolean; fromZero?: boolean } = {}) => {
    if (labels.has(pid)) return;
    labels.set(pid, label);
    const now = processCpu(pid);
    first.set(pid, options2.fromZero ? 0 : now);
    last.set(pid, now);
    if (options2.splitMain) { const t = threadCpu(pid).main; mains.set(pid, { first: options2.fromZero ? 0 : t, last: t }); }
  };
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      if (options.discover) for (const [pid, label] of await options.discover()) add(pid, label, { fromZero: true });
      for (const pid of labels.keys()) read(pid);
    } finally { busy = false; }
  };
  const timer = setInterval(() => { poll().catch(() => undefined); }, options.everyMs ?? 500);
  return {
    add,
    /** Starts a new phase: every process's reading so far becomes its zero. */
    async reset() {
      await poll();
      for (const [pid, v] of last) first.set(pid, v);
      for (const m of mains.values()) m.first = m.last;
      machine0 = machineBusy();
      started = performance.now();
    },
    /** CPU ms per label since the last reset (a process split by `splitMain` gives `label.main` and `label.threads`). */
    async read(): Promise<{ seconds: number; machineBusyMs: number; byLabel: Record<string, number> }> {
      await poll();
      const byLabel: Record<string, number> = {};
      for (const [pid, label] of labels) {
        const used = (last.get(pid) ?? 0) - (first.get(pid) ?? 0);
        const m = mains.get(pid);
        if (m) {
          const main = m.last - m.first;
          byLabel[`${label}.main`] = (byLabel[`${label}.main`] ?? 0) + main;
          byLabel[`${label}.threads`] = (byLabel[`${label}.threads`] ?? 0) + used - main;
        } else {
          byLabel[label] = (byLabel[label] ?? 0) + used;
        }
      }
      return { seconds: (performance.now() - started) / 1000, machineBusyMs: machineBusy() - machine0, byLabel };
    },
    stop() { clearInterval(timer); },
  };
}
