/**
 * Modules that register jobs (with `registerJob`) when imported: add ONE line per feature. The worker
 * imports them all before it starts claiming.
 */
export const jobModules: Array<() => Promise<unknown>> = [
  () => import('../forms/forms-jobs.js'),
  () => import('../imports/import-job.js'),
];

export async function loadJobModules(): Promise<void> {
  for (const load of jobModules) await load();
}
