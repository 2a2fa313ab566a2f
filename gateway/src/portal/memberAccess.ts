// What the portal needs from membership and keys. The implementation (portal/memberService.ts) sits on the
// database; the routes see only this, so their tests and their wiring stay independent of the SQL.
import type { CreatedKey } from '../access/memberKeys.ts';
import type { ApiKeyListing } from '../store/apiKeys.ts';
import type { AccountKeyView } from './pages/account.ts';
import type { Admission } from './signIn.ts';

export interface MemberAccess {
  /** May this address get a new key now (active orchestrator, within grace, or granted)? */
  admitForKey(address: string): Promise<Admission>;
  /** May it open a session: it may get a key, or it holds keys it may want to see or revoke. */
  admitForSession(address: string): Promise<Admission>;
  /** A new key for an admitted address; the key is in the result, once. */
  createKey(address: string, label: string | null): Promise<CreatedKey>;
  /** The member's keys, newest first, each with its requests per network in the last 24 h and 30 d. */
  keysOf(address: string): Promise<AccountKeyView[]>;
  /** Revokes one of the member's keys everywhere (every replica); KeyNotFoundError if it is not theirs. */
  revoke(address: string, keyId: string): Promise<ApiKeyListing>;
  /** Revokes one of the member's keys and creates its replacement (same label), in one transaction. */
  rotate(address: string, keyId: string): Promise<CreatedKey>;
}
