/**
 * Builds a send's context from its snapshot (the campaign as it was when the operator started the send) and the
 * workspace's DKIM key, imported once here rather than per message. `loadSendInput` reads the database;
 * `contextFromInput` is pure, so the render threads build the same context from the same input.
 */
import type { CampaignFields } from '../campaigns/campaign.js';
import { findSend } from '../campaigns/campaigns.repository.js';
import { compileCampaign } from '../campaigns/render-message.js';
import type { Db } from '../db/database.js';
import { importDkimKey } from '../senders/dkim-key.js';
import type { SenderProfile } from '../senders/sender-profile.js';
import { findSenderProfile } from '../senders/senders.repository.js';
import type { SendContext } from './prepare-message.js';

export type SendSnapshot = { campaign: CampaignFields; sender: Omit<SenderProfile, 'dkimPrivateKeyPem'>; links: string[] };

/** Everything a send's context is made from; plain data, so it can be posted to a thread. */
export type SendInput = { sendId: number; workspaceId: string; campaignId: string; snapshot: SendSnapshot; keyPem: string };

export async function loadSendInput(options: { db: Db; sendId: number }): Promise<SendInput | undefined> {
  const send = await findSend(options.db, options.sendId);
  if (!send) return undefined;
  const profile = await findSenderProfile(options.db, send.workspace_id);
  if (!profile) return undefined;
  return { sendId: send.id, workspaceId: send.workspace_id, campaignId: send.campaign_id, snapshot: send.snapshot as unknown as SendSnapshot, keyPem: profile.dkimPrivateKeyPem };
}

/** `undefined` when the send can no longer be prepared (key or templates unusable). */
export function contextFromInput(input: SendInput): SendContext | undefined {
  const { snapshot } = input;
  const key = importDkimKey({ domain: snapshot.sender.domains[0], selector: snapshot.sender.dkimSelector, pem: input.keyPem });
  if (!key.ok) return undefined;
  const compiled = compileCampaign({ campaign: snapshot.campaign, sender: { ...snapshot.sender, dkimPrivateKeyPem: '' } });
  if (!compiled.ok) return undefined;
  return {
    sendId: input.sendId,
    workspaceId: input.workspaceId,
    campaignId: input.campaignId,
    campaign: snapshot.campaign,
    compiled: compiled.value,
    signer: { domain: key.value.domain, selector: key.value.selector, privateKey: key.value.privateKey },
    returnPathDomain: snapshot.sender.returnPathDomain,
  };
}

export async function loadSendContext(options: { db: Db; sendId: number }): Promise<SendContext | undefined> {
  const input = await loadSendInput(options);
  return input && contextFromInput(input);
}
