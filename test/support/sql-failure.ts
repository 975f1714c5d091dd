import assert from 'node:assert/strict';

/** The SQLSTATE and constraint of a failed statement (the assertion fails when it did not fail). */
export async function sqlFailure(run: () => Promise<unknown>): Promise<{ code: string; constraint: string | undefined }> {
  try {
    await run();
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    return { code: String(e.code), constraint: e.constraint };
  }
  assert.fail('the statement was expected to fail');
}
