// PortalMembers on the database, through access/membership.ts: admission by operator grant or the synced
// active set, keys created under the membership lock, revocations announced to every replica.
import type pgPromise from 'pg-promise';
import { getAddress } from 'viem';
import { KeyNotFoundError } from '../membership/errors.ts';
import type { CreatedKey, RevokeResult } from '../membership/keys.ts';
import { createKeyForMember, memberForSignIn, revokeMemberKey, type KeyChangeAnnouncer, type SignInEligibility } from '../membership/membership.ts';
import type { Network } from '../common/network.ts';
import { MemberRepo } from '../store/members.ts';
import { usageForMember } from '../store/usage.ts';
import type { PortalConfig } from './config.ts';
import { NotEligibleError, type Admission } from '../signin/signIn.ts';
import { TooManyKeysError } from './errors.ts';
import type { PortalMembers } from './members.ts';
import type { AccountKeyView } from './pages/account.ts';
import { refusal } from './refusal.ts';

export interface PortalMemberServiceOptions {
  operator: PortalConfig['operator'];
  /** Active keys one member may hold (MAX_KEYS_PER_MEMBER). */
  maxKeysPerMember: number;
  /** Evicts changed keys here and tells the other replicas (access/memberAccess.ts keysChanged). */
  announce?: KeyChangeAnnouncer;
}

const NETWORKS: Network[] = ['l2', 'l1'];

export class PortalMemberService implements PortalMembers {
  constructor(
    private readonly database: { db: pgPromise.IDatabase<unknown> },
    private readonly options: PortalMemberServiceOptions,
  ) {}

  async admitForKey(address: string): Promise<Admission> {
    return this.admission(await memberForSignIn(this.database, address, this.options.announce));
  }

  async admitForSession(address: string): Promise<Admission> {
    const admission = await this.admitForKey(address);
    if (admission.allowed) return admission;
    // A former member may still sign in to see and revoke its keys.
    return (await new MemberRepo(this.database.db).find(address)) ? { allowed: true } : admission;
  }

  async createKey(address: string, label: string | null): Promise<CreatedKey> {
    const result = await createKeyForMember(this.database, { address, label, maxActiveKeys: this.options.maxKeysPerMember }, this.options.announce);
    if (result.ok) return result.key;
    if (result.problem === 'too_many_keys') throw new TooManyKeysError(result.activeKeys);
    throw this.refuse(result.eligibility);
  }

  async keysOf(address: string): Promise<AccountKeyView[]> {
    const keys = await usageForMember(this.database.db, address);
    return keys.map(({ usage, ...key }) => ({ ...key, usage: NETWORKS.map((network) => ({ network, ...usage[network] })) }));
  }

  /** A key revoked before is answered as it is (a form sent twice, a page reloaded); another member's key is not found. */
  async revoke(address: string, keyId: string): Promise<RevokeResult> {
    const result = await revokeMemberKey(this.database, { address, keyId }, this.options.announce);
    if (!result) throw new KeyNotFoundError(`id ${keyId} among your keys`);
    return result;
  }

  /** Admission first, so a member who may no longer have keys does not lose the one it has. */
  async rotate(address: string, keyId: string): Promise<CreatedKey> {
    const eligibility = await memberForSignIn(this.database, address, this.options.announce);
    if (!eligibility.eligible) throw this.refuse(eligibility);
    const old = await this.revoke(address, keyId);
    // Rotating a key revoked before (the rotate form sent twice) must not mint a second replacement.
    if (old.alreadyRevoked) throw new KeyNotFoundError(`id ${keyId} among your active keys`);
    return this.createKey(address, old.key.label);
  }

  private admission(eligibility: SignInEligibility): Admission {
    return eligibility.eligible ? { allowed: true } : { allowed: false, ...refusal(eligibility, this.options.operator) };
  }

  private refuse(eligibility: Extract<SignInEligibility, { eligible: false }>): NotEligibleError {
    const { why, whatToDo } = refusal(eligibility, this.options.operator);
    return new NotEligibleError(getAddress(eligibility.address), why, whatToDo);
  }
}
