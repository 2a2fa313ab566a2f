// What the key check says, per request: the member a key belongs to, or why it was refused.
import type { Network } from '../common/network.ts';

/** unknown_key_rate: the client sent too many unknown keys lately and was refused before the database look-up. */
export type DenyReason = 'unknown_key' | 'revoked_key' | 'inactive_member' | 'access_unavailable' | 'unknown_key_rate';

export type AccessEvent =
  | {
      type: 'access.denied';
      requestId: string;
      network: Network;
      reason: DenyReason;
    }
  | {
      type: 'access.granted';
      requestId: string;
      network: Network;
      memberAddress: string;
      keyId: string;
    };
