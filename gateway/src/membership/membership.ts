// Who may hold keys, as the sign-in flow, the portal and the admin command ask it: an operator grant, the
// active orchestrator set, or its grace period. Every change that can stop or restore keys is announced,
// so every replica's key cache forgets what it knew (store/keyChanges.ts).
import type pgPromise from 'pg-promise';
import { ApiKeyRepo } from '../store/apiKeys.ts';
import { notifyKeysChanged, type KeyChange } from '../store/keyChanges.ts';
import { MemberRepo, type Member } from '../store/members.ts';
import { findOrchestrator, MEMBERSHIP_LOCK_ID } from '../store/orchestrators.ts';
import { normalizeAddress } from './address.ts';
import { generateApiKey } from '../access/apiKey.ts';
import { checkLabel, type CreatedKey, type RevokeResult } from './keys.ts';

type HasDb = { db: pgPromise.IDatabase<unknown> };
type Tx = pgPromise.ITask<unknown>;

/** Announces changed keys to every gateway; the default notifies through the database. */
export type KeyChangeAnnouncer = (change: KeyChange) => Promise<void>;

export type Eligible = {
  eligible: true;
  address: string;
  /** operator: granted by the operator; active_set: in the set now; grace: left the set, keys work until activeUntil. */
  basis: 'operator' | 'active_set' | 'grace';
  activeUntil: Date | null;
};

export type NotEligible = {
  eligible: false;
  address: string;
  /** not_in_active_set: never seen in it; left_active_set: left and its grace period is over; set_not_synced: no set yet. */
  reason: 'not_in_active_set' | 'left_active_set' | 'set_not_synced';
  leftAt: Date | null;
};

export type SignInEligibility = Eligible | NotEligible;

/**
 * Whether the address may have keys (and a portal session). An eligible orchestrator without a member
 * row gets one, as an 'orchestrator' member that follows the active set.
 */
export async function memberForSignIn(database: HasDb, address: string, announce?: KeyChangeAnnouncer): Promise<SignInEligibility> {
  const normalized = normalizeAddress(address);
  const { eligibility, restored } = await database.db.tx('member-for-sign-in', (t) => decide(t, normalized));
  if (restored) await announceSafely(database, announce, { address: normalized });
  return eligibility;
}

export type KeyForMemberResult =
  | { ok: true; key: CreatedKey; eligibility: Eligible }
  | { ok: false; problem: 'not_eligible'; eligibility: NotEligible }
  | { ok: false; problem: 'too_many_keys'; activeKeys: number; limit: number };

export const DEFAULT_MAX_KEYS_PER_MEMBER = 10;

/** A new key for an eligible address (shown once), checked and created in one transaction. */
export async function createKeyForMember(
  database: HasDb,
  input: { address: string; label?: string | null; maxActiveKeys?: number },
  announce?: KeyChangeAnnouncer,
): Promise<KeyForMemberResult> {
  const address = normalizeAddress(input.address);
  const label = checkLabel(input.label);
  const limit = input.maxActiveKeys ?? DEFAULT_MAX_KEYS_PER_MEMBER;
  const { key, hash, prefix } = generateApiKey();
  const { result, restored } = await database.db.tx('create-key-for-member', async (t) => {
    const { eligibility, restored } = await decide(t, address);
    if (!eligibility.eligible) return { result: { ok: false, problem: 'not_eligible', eligibility } as const, restored };
    const keys = new ApiKeyRepo(t);
    const activeKeys = await keys.countActiveForMember(address);
    if (activeKeys >= limit) return { result: { ok: false, problem: 'too_many_keys', activeKeys, limit } as const, restored };
    const row = await keys.insert({ hash, prefix, memberAddress: address, label });
    return { result: { ok: true, key: { ...row, key }, eligibility } as const, restored };
  });
  if (restored) await announceSafely(database, announce, { address });
  return result;
}

/**
 * Revoke one key of this member (the portal's revoke), as the admin command's revokeKey does: a key
 * revoked before is answered as it is, with alreadyRevoked. Null when the member has no such key.
 */
export async function revokeMemberKey(
  database: HasDb,
  input: { address: string; keyId: string },
  announce?: KeyChangeAnnouncer,
): Promise<RevokeResult | null> {
  const address = normalizeAddress(input.address);
  if (!/^\d{1,18}$/.test(input.keyId)) return null;
  const repo = new ApiKeyRepo(database.db);
  const revoked = await repo.revokeForMember(input.keyId, address);
  if (revoked) {
    await announceSafely(database, announce, { keyIds: [revoked.id] });
    return { key: revoked, alreadyRevoked: false };
  }
  const existing = await repo.findForMember(input.keyId, address);
  return existing?.revokedAt ? { key: existing, alreadyRevoked: true } : null;
}

/** The operator's grant: the address may hold keys whatever the active set says. */
export async function grantMembership(database: HasDb, input: { address: string; label?: string | null }, announce?: KeyChangeAnnouncer): Promise<Member> {
  const address = normalizeAddress(input.address);
  const label = checkLabel(input.label);
  const member = await database.db.tx('grant-membership', async (t) => {
    await lock(t);
    return new MemberRepo(t).grantByOperator(address, label);
  });
  await announceSafely(database, announce, { address });
  return member;
}

export type RevokeMembershipResult =
  | { outcome: 'revoked'; member: Member }
  | { outcome: 'no_grant'; member: Member }
  | { outcome: 'not_a_member' };

/** End the operator's grant: keys keep working only while the address is an active orchestrator (or in grace). */
export async function revokeMembership(database: HasDb, addressInput: string, announce?: KeyChangeAnnouncer): Promise<RevokeMembershipResult> {
  const address = normalizeAddress(addressInput);
  const result = await database.db.tx('revoke-membership', async (t): Promise<RevokeMembershipResult> => {
    await lock(t);
    const repo = new MemberRepo(t);
    const revoked = await repo.revokeOperatorGrant(address);
    if (revoked) return { outcome: 'revoked', member: revoked };
    const member = await repo.find(address);
    return member ? { outcome: 'no_grant', member } : { outcome: 'not_a_member' };
  });
  if (result.outcome === 'revoked') await announceSafely(database, announce, { address });
  return result;
}

async function decide(t: Tx, address: string): Promise<{ eligibility: SignInEligibility; restored: boolean }> {
  await lock(t);
  const repo = new MemberRepo(t);
  const member = await repo.find(address);
  if (member?.active) return { eligibility: eligible(address, member), restored: false };
  const admitted = await repo.admitFromActiveSet(address);
  if (admitted?.active) return { eligibility: eligible(address, admitted), restored: member !== null };
  const orchestrator = await findOrchestrator(t, address);
  if (orchestrator) return { eligibility: { eligible: false, address, reason: 'left_active_set', leftAt: orchestrator.leftAt }, restored: false };
  const synced = await t.one('SELECT EXISTS (SELECT 1 FROM orchestrators) AS synced', [], (r: { synced: boolean }) => r.synced);
  return { eligibility: { eligible: false, address, reason: synced ? 'not_in_active_set' : 'set_not_synced', leftAt: null }, restored: false };
}

function eligible(address: string, member: Member): Eligible {
  const basis = member.source === 'operator' ? 'operator' : member.activeUntil === null ? 'active_set' : 'grace';
  return { eligible: true, address, basis, activeUntil: member.activeUntil };
}

/** Membership writes take the same lock as the set's sync, so a sign-in never races a sync's reconciliation. */
async function lock(t: Tx): Promise<void> {
  await t.any('SELECT pg_advisory_xact_lock($1)', [MEMBERSHIP_LOCK_ID]);
}

/** The change is committed; a failed announcement only delays it to the replicas' cache TTL. */
async function announceSafely(database: HasDb, announce: KeyChangeAnnouncer | undefined, change: KeyChange): Promise<void> {
  try {
    await (announce ?? ((c: KeyChange) => notifyKeysChanged(database.db, c)))(change);
  } catch {
    // nothing to undo: the cache TTL bounds how long replicas keep the old answer
  }
}
