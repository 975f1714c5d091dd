/**
 * Whom the platform's own mails (the double opt-in confirmation, the access link) are from. With a sender
 * profile: the workspace's company name and `noreply@` its first sending domain, the domain its DKIM key signs
 * (`d=`), so the From aligns for DMARC; replies go to the profile's contact email. Without one: `noreply@` the
 * base URL's host, or `noreply@localhost` when that host is an IP address (`noreply@127.0.0.1` is no address).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { importDkimKey } from '../senders/dkim-key.js';
import type { SenderProfile } from '../senders/sender-profile.js';
import { findSenderProfile } from '../senders/senders.repository.js';
import type { DkimSigner } from '../sending/dkim-sign.js';
import { findWorkspace } from '../workspaces/workspaces.repository.js';

export type MailIdentity = {
  /** The From display name: the profile's company. */
  name: string;
  address: string;
  replyTo?: string;
  /** The workspace's DKIM key, the one its campaigns are signed with; absent when it cannot be read. */
  signer?: DkimSigner;
};

/** The fallback From address: `noreply@` the base URL's host name, never an IP literal. */
export function platformFromAddress(baseUrl: string): string {
  let host = '';
  try { host = new URL(baseUrl).hostname; } catch { /* a base URL that does not parse: the fallback below */ }
  const ipLiteral = host.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
  return `noreply@${host && ipLiteral === false ? host : 'localhost'}`;
}

/** The identity a sender profile gives (pure; the key is parsed here, so keep the result for a round of mails). */
export function identityOfProfile(profile: SenderProfile, fallbackName: string): MailIdentity {
  const domain = profile.domains[0];
  const key = importDkimKey({ domain, selector: profile.dkimSelector, pem: profile.dkimPrivateKeyPem });
  return {
    name: profile.company || fallbackName,
    address: `noreply@${domain}`,
    ...(profile.contactEmail ? { replyTo: profile.contactEmail } : {}),
    ...(key.ok ? { signer: { domain: key.value.domain, selector: key.value.selector, privateKey: key.value.privateKey } } : {}),
  };
}

/** The workspace's name, and its mail identity when it has a sender profile. */
export async function loadMailIdentity(options: { db: Kysely<Database>; workspaceId: string }): Promise<{ workspaceName: string; identity?: MailIdentity }> {
  const ws = await findWorkspace(options.db, options.workspaceId);
  const workspaceName = ws?.name ?? '';
  const profile = await findSenderProfile(options.db, options.workspaceId);
  return { workspaceName, ...(profile ? { identity: identityOfProfile(profile, workspaceName) } : {}) };
}

/** The name a platform mail's text gives the sender: the company, else the workspace's name. */
export const senderNameOf = (loaded: { workspaceName: string; identity?: MailIdentity }) => loaded.identity?.name || loaded.workspaceName;
