/**
 * An empty sender profile, used only to parse a campaign's templates when it is saved (a syntax error is
 * reported then, not at send time); the real profile is used when sending.
 */
import type { SenderProfile } from '../senders/sender-profile.js';

export function aSenderForCompile(workspaceId: string): SenderProfile {
  return {
    workspaceId, company: '', address: '', registration: '', representative: '', postalAddress: '', contactPhone: '',
    contactEmail: '', website: '', domains: ['example.invalid'], returnPathDomain: 'example.invalid', dkimSelector: 'x', dkimPrivateKeyPem: '',
  };
}
