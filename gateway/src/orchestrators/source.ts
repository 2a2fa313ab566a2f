// The active orchestrator set, as one source (subgraph, BondingManager, static list) sees it now.
import { GatewayError } from '../common/errors.ts';
import { address } from '../evm/hex.ts';

export interface OrchestratorSource {
  /** 'subgraph' | 'chain' | 'static': shown in events and logs, never a URL. */
  name: string;
  /** Lower-case addresses of the active orchestrators. Rejects with OrchestratorSourceError; never resolves partial. */
  fetchActive(signal?: AbortSignal): Promise<Set<string>>;
}

/** The source could not give a complete, trustworthy set. Messages carry no URL or credential. */
export class OrchestratorSourceError extends GatewayError {
  override readonly name = 'OrchestratorSourceError';
  constructor(
    readonly source: string,
    message: string,
    cause?: unknown,
  ) {
    super('unavailable', `${source}: ${message}`, { cause });
  }
}

/** Lower-case form of an address from a source, or undefined if it is not one. */
export function sourceAddress(value: unknown): string | undefined {
  return address(value);
}

/** Removes a URL and its longer path or query parts (API keys live there) from text that may echo them. */
export function scrubUrl(text: string, url: string): string {
  let out = text.split(url).join('<url>');
  try {
    const u = new URL(url);
    const parts = [...u.pathname.split('/'), ...u.search.slice(1).split(/[&=]/), u.username, u.password];
    for (const part of parts) if (part.length >= 12) out = out.split(part).join('<redacted>');
  } catch {
    // not a URL: nothing more to take out
  }
  return out;
}

/** A one-line reason from anything thrown, bounded, with the system error code (ECONNREFUSED...) when there is one. */
export function reasonOf(err: unknown): string {
  const e = err as { shortMessage?: unknown; message?: unknown } | undefined;
  const text = typeof e?.shortMessage === 'string' ? e.shortMessage : typeof e?.message === 'string' ? e.message : String(err);
  const code = errorCode(err);
  return `${text.split('\n')[0]!.slice(0, 200)}${code ? ` (${code})` : ''}`;
}

function errorCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && /^[A-Z][A-Z_]+$/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}
