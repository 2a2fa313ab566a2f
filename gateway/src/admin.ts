// The operator's command: API keys (create, list, revoke) and operator grants of membership (grant, revoke,
// list). Works whether or not the gateway runs,
// on PostgreSQL or the embedded database (through the running gateway's socket, or by opening it).
// Usage: npm run admin -- help
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs as parseCommandLine } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { normalizeAddress } from './membership/address.ts';
import { createMemberKey, listKeys, parseKeyReference, revokeKey } from './membership/keys.ts';
import { grantMembership, revokeMembership } from './membership/membership.ts';
import type { ApiKeyListing } from './store/apiKeys.ts';
import { openDatabase, type Database } from './store/db.ts';
import { notifyKeysChanged } from './store/keyChanges.ts';
import { MemberRepo, type Member, type MemberListing } from './store/members.ts';
import { GatewayError } from './common/errors.ts';

const USAGE = `Usage: npm run admin -- <command>

Commands:
  key create --address 0x... [--label TEXT]
      Create an API key for the address (granting it membership). The key is printed once,
      alone on the last line of output: take it with \`tail -n1\`.
  key list [--json]
      Every key: id, prefix, address, label, created, last used, revoked. Never a key or a hash.
  key revoke <id | prefix | key>
      Revoke one key, named by its id, the start of its prefix (at least 4 characters) or the key itself.
      A prefix that matches several keys is refused.
  member grant --address 0x... [--label TEXT]
      Grant membership by the operator: the address's keys work whatever the active orchestrator set says
      (broadcasters, your own nodes).
  member revoke --address 0x...
      Remove the operator grant: the keys keep working only while the address is an active orchestrator
      (or within its grace period after leaving the set).
  member list [--json]
      Every member: address, how it is a member, label, active, in the active set, last seen there, keys.
  help
      This text.

Environment: DATABASE_URL (PostgreSQL; unset means the embedded database in DATA_DIR, default ./data),
PUBLIC_URL (shown in the endpoint URLs).`;

class UsageError extends GatewayError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('invalid', message);
  }
}

class NotAMemberError extends GatewayError {
  override readonly name = 'NotAMemberError';
  constructor(address: string) {
    super('not_found', `${address} is not a member: nothing to revoke`);
  }
}

/** The options each command takes, in the order the usage lists them. */
const COMMANDS: Record<string, Record<string, string[]>> = {
  key: { create: ['address', 'label'], list: ['json'], revoke: [] },
  member: { grant: ['address', 'label'], revoke: ['address'], list: ['json'] },
};

interface Output {
  out(line: string): void;
  err(line: string): void;
}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

/** Run one admin command; returns the process exit code (0 ok, 1 failed, 2 usage). */
export async function runAdmin(argv: string[], env: Record<string, string | undefined>, io: Output): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    return usageFailure(io, (err as Error).message);
  }
  const [group, command, ...rest] = parsed.positional;
  if (group === 'help' || parsed.flags.has('help')) {
    io.out(USAGE);
    return 0;
  }
  if (group === undefined) {
    io.err(USAGE);
    return 2;
  }
  const commands = Object.hasOwn(COMMANDS, group) ? COMMANDS[group] : undefined;
  if (!commands) return usageFailure(io, `unknown command "${group}"`);
  if (command === undefined || !Object.hasOwn(commands, command)) {
    const names = Object.keys(commands);
    return usageFailure(
      io,
      command === undefined ? `missing a ${group} command: ${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : `unknown ${group} command "${command}"`,
    );
  }

  let database: Database | undefined;
  try {
    for (const name of parsed.flags.keys()) {
      if (!commands[command]!.includes(name)) throw new UsageError(`${group} ${command} does not take --${name}`);
    }
    const takesArgument = group === 'key' && command === 'revoke';
    if (!takesArgument && rest.length > 0) throw new UsageError(`${group} ${command} takes no argument "${rest[0]}"`);
    if (takesArgument && rest.length !== 1) throw new UsageError('key revoke takes exactly one argument: the key id or prefix');
    if (takesArgument) parseKeyReference(rest[0]!.trim()); // a reference that cannot name a key fails before opening the database
    if (commands[command]!.includes('address')) {
      const address = parsed.flags.get('address');
      if (typeof address !== 'string') throw new UsageError(`${group} ${command} needs --address 0x... (the member's Ethereum address)`);
      normalizeAddress(address); // a bad address fails before opening the database
    }

    const config = loadConfig(env);
    database = await openDatabase(config, { migrate: true });
    const address = parsed.flags.get('address') as string;
    const label = parsed.flags.get('label');
    const run = `${group} ${command}`;
    if (run === 'key create') {
      const created = await createMemberKey(database, { address, label: typeof label === 'string' ? label : null });
      io.out(`Created API key ${created.id} (prefix ${created.prefix}) for ${created.memberAddress}${created.label ? ` (${created.label})` : ''}.`);
      io.out('The key is shown only this once: the gateway keeps only its hash.');
      io.out('Endpoints for go-livepeer -ethUrl (put the key in place of <API_KEY>):');
      io.out(`  Arbitrum One: ${config.publicUrl}/api/<API_KEY>/l2`);
      io.out(`  Ethereum:     ${config.publicUrl}/api/<API_KEY>/l1`);
      io.out(created.key);
    } else if (run === 'key list') {
      const keys = await listKeys(database);
      if (parsed.flags.has('json')) io.out(JSON.stringify(keys.map(keyJson), null, 2));
      else if (keys.length === 0) io.out('No API keys yet. Create one with: npm run admin -- key create --address 0x...');
      else for (const line of formatTable(KEY_HEADER, keys.map(keyRow))) io.out(line);
    } else if (run === 'key revoke') {
      const { key, alreadyRevoked } = await revokeKey(database, rest[0]!);
      if (!alreadyRevoked) await notifyKeysChanged(database.db, { keyIds: [key.id] }).catch(() => {}); // else caches expire by TTL
      io.out(
        alreadyRevoked
          ? `API key ${key.id} (prefix ${key.prefix}, ${key.memberAddress}) was already revoked at ${time(key.revokedAt)}.`
          : `Revoked API key ${key.id} (prefix ${key.prefix}, ${key.memberAddress}). A running gateway refuses it within seconds.`,
      );
    } else if (run === 'member grant') {
      const member = await grantMembership(database, { address, label: typeof label === 'string' ? label : null });
      io.out(`Granted membership to ${member.address}${member.label ? ` (${member.label})` : ''}: its keys work whatever the active set says.`);
      io.out(`Create a key with: npm run admin -- key create --address ${member.address}`);
    } else if (run === 'member revoke') {
      const result = await revokeMembership(database, address);
      if (result.outcome === 'not_a_member') throw new NotAMemberError(normalizeAddress(address));
      io.out(result.outcome === 'revoked' ? revokedText(result.member) : `${result.member.address} has no operator grant: ${standing(result.member)}.`);
    } else {
      const members = await new MemberRepo(database.db).list();
      if (parsed.flags.has('json')) io.out(JSON.stringify(members.map(memberJson), null, 2));
      else if (members.length === 0) io.out('No members yet. Grant one with: npm run admin -- member grant --address 0x...');
      else for (const line of formatTable(MEMBER_HEADER, members.map(memberRow))) io.out(line);
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(io, err.message);
    if (err instanceof ConfigError) {
      io.err(`error: configuration: ${err.message}`);
      return 2;
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await database?.close().catch(() => {});
  }
}

function usageFailure(io: Output, message: string): number {
  io.err(`error: ${message}`);
  io.err('Run `npm run admin -- help` for usage.');
  return 2;
}

const OPTIONS = {
  address: { type: 'string' },
  label: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `--name value`, `--name=value`, `--flag` and `-h` (node:util parseArgs); everything else is positional. */
export function parseArgs(argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseCommandLine({ args: argv, options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    // node's own message names the option ("Unknown option '--x'", "Option '--label <value>' argument missing")
    throw new UsageError((err instanceof Error ? err.message : String(err)).split('. ')[0]!.slice(0, 200));
  }
  const flags = new Map<string, string | true>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (flags.has(token.name)) throw new UsageError(`--${token.name} is given twice`);
    flags.set(token.name, token.value ?? true);
  }
  return { positional: parsed.positionals, flags };
}

const KEY_HEADER = ['ID', 'PREFIX', 'ADDRESS', 'LABEL', 'CREATED', 'LAST USED', 'REVOKED'];
const MEMBER_HEADER = ['ADDRESS', 'SOURCE', 'LABEL', 'ACTIVE', 'IN SET', 'LAST SEEN IN SET', 'KEYS'];

function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

function keyRow(k: ApiKeyListing): string[] {
  return [k.id, k.prefix, k.memberAddress, k.label ?? '-', time(k.createdAt), time(k.lastUsedAt), time(k.revokedAt)];
}

function keyJson(k: ApiKeyListing): Record<string, string | null> {
  return {
    id: k.id,
    prefix: k.prefix,
    address: k.memberAddress,
    label: k.label,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}

function memberRow(m: MemberListing): string[] {
  const active = !m.active ? 'no' : m.activeUntil ? `until ${time(m.activeUntil)}` : 'yes';
  return [m.address, m.source, m.label ?? '-', active, m.inSet === null ? '-' : m.inSet ? 'yes' : 'no', time(m.lastSeenAt), String(m.keysActive)];
}

function memberJson(m: MemberListing): Record<string, string | number | boolean | null> {
  return {
    address: m.address,
    source: m.source,
    label: m.label,
    active: m.active,
    activeUntil: m.activeUntil?.toISOString() ?? null,
    inSet: m.inSet,
    lastSeenAt: m.lastSeenAt?.toISOString() ?? null,
    keysActive: m.keysActive,
    createdAt: m.createdAt.toISOString(),
  };
}

function revokedText(m: Member): string {
  return m.active
    ? `Removed the operator grant of ${m.address}; its keys keep working: ${standing(m)}.`
    : `Removed the operator grant of ${m.address}: its keys stop working (it is not an active orchestrator).`;
}

/** How a member without an operator grant stands with the active set. */
function standing(m: Member): string {
  if (!m.active) return 'it is no longer an active orchestrator, its keys are refused';
  return m.activeUntil ? `it left the active set, its keys work until ${time(m.activeUntil)}` : 'it is an active orchestrator';
}

function time(d: Date | null): string {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

// Run as a script (not when a test imports runAdmin).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const code = await runAdmin(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  process.exitCode = code;
  // Everything is closed by now; this only guards against a handle someone forgot, and never cuts output short.
  setTimeout(() => process.exit(code), 10_000).unref();
}
