/**
 * `listwarden admin create-user --email E [--role owner|admin|editor|viewer] [--workspace ID|SLUG] [--name N]`
 * adds a user to a workspace and prints a one-time sign-in link. `admin create-token` prints a new API token once.
 */
import { parseArgs } from 'node:util';
import { createSignInLink } from '../auth/create-sign-in-link.js';
import { createApiToken } from '../auth/create-api-token.js';
import { roles, type Role } from '../auth/roles.js';
import { isAppError } from '../errors.js';
import { openRuntime, startupMessage } from '../server/runtime.js';
import { createUser } from '../users/create-user.js';
import { findMembership, findUserByEmail } from '../users/users.repository.js';
import { resolveWorkspace } from '../workspaces/resolve-workspace.js';

const usage = `Usage:
  listwarden admin create-user --email E [--role ROLE] [--name N] [--workspace ID|SLUG] [--data-dir DIR]
  listwarden admin create-token --name N [--role ROLE] [--workspace ID|SLUG] [--data-dir DIR]
ROLE: ${roles.join(", ")} (default: editor for create-token; for create-user, viewer for a new member and the
      current role for an existing one, so that running it again gives a member a new sign-in link)`;

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h' || (sub !== 'create-user' && sub !== 'create-token')) {
    process.stdout.write(usage + '\n');
    return sub && sub !== '--help' && sub !== '-h' ? 2 : 0;
  }
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: {
      email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, workspace: { type: 'string' }, 'data-dir': { type: 'string' },
    } }));
  } catch (err) {
    process.stderr.write(`listwarden admin: ${startupMessage(err)}\n${usage}\n`);
    return 2;
  }
  let role = (values.role ?? (sub === 'create-user' ? 'viewer' : 'editor')) as Role;
  if (!roles.includes(role)) { process.stderr.write(`listwarden admin: --role must be one of ${roles.join(', ')}\n`); return 2; }
  if (sub === 'create-user' && !values.email) { process.stderr.write(`listwarden admin: --email is required\n${usage}\n`); return 2; }
  if (sub === 'create-token' && !values.name) { process.stderr.write(`listwarden admin: --name is required\n${usage}\n`); return 2; }
  let runtime;
  try {
    runtime = await openRuntime({ dataDir: values['data-dir'], logLevel: 'warn' });
  } catch (err) {
    process.stderr.write(`listwarden admin: ${startupMessage(err)}\n`);
    return 1;
  }
  const { db, config } = runtime;
  const actor = { type: 'system' as const, id: 'cli' };
  try {
    const ws = await resolveWorkspace({ db, workspace: values.workspace });
    const now = new Date();
    if (sub === 'create-user') {
      // asking again for a member's sign-in link keeps their role: without --role an owner stayed an owner only
      // by luck, and became a viewer (a workspace could lose its last owner that way)
      if (values.role === undefined) {
        const existing = await findUserByEmail(db, values.email!.trim().toLowerCase());
        const membership = existing ? await findMembership(db, ws.id, existing.id) : undefined;
        if (membership) role = membership.role;
      }
      const user = await createUser({ db, workspaceId: ws.id, email: values.email!, name: values.name, role, actor, now });
      const link = await createSignInLink({ db, baseUrl: config.baseUrl, userId: user.id, workspaceId: ws.id, now });
      process.stdout.write(`${user.created ? 'created' : 'updated'} ${user.email} as ${role} of workspace ${ws.slug}\nSign in once with: ${link.url}\n`);
    } else {
      const token = await createApiToken({ db, workspaceId: ws.id, name: values.name!, role, actor, now });
      process.stdout.write(`API token for workspace ${ws.slug} (${role}); shown once, keep it safe:\n${token.token}\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`listwarden admin: ${isAppError(err) ? err.message : startupMessage(err)}\n`);
    return isAppError(err) && err.code === 'invalid_input' ? 2 : 1;
  } finally {
    await db.destroy();
  }
}
