// What the portal needs from membership and keys. PortalMemberService implements it on the database
// (access/membership.ts); the routes see only this seam.
import type { CreatedKey, RevokeResult } from '../membership/keys.ts';
import type { AccountKeyView } from './pages/account.ts';
import type { Admission } from '../signin/signIn.ts';

export interface PortalMembers {
  /** May this address get a new key now (active orchestrator, within grace, or granted)? */
  admitForKey(address: string): Promise<Admission>;
  /** May it open a session: it may get a key, or it is a (former) member with keys to see or revoke. */
  admitForSession(address: string): Promise<Admission>;
  /** A new key for an admitted address; the key is in the result, once. */
  createKey(address: string, label: string | null): Promise<CreatedKey>;
  /** The member's keys, newest first, each with its requests per network in the last 24 h and 30 d. */
  keysOf(address: string): Promise<AccountKeyView[]>;
  /** Revokes one of the member's keys on every replica (a key revoked before: alreadyRevoked); KeyNotFoundError if it is not theirs. */
  revoke(address: string, keyId: string): Promise<RevokeResult>;
  /** Revokes one of the member's keys and creates its replacement with the same label. */
  rotate(address: string, keyId: string): Promise<CreatedKey>;
}
