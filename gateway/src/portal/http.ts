// HTTP plumbing of the portal and sign-in endpoints: reading forms or JSON, who the client is, same-origin
// checks, and answering with a page or JSON. No business logic here.
import type { Context } from 'koa';
import type { Emitter, InternalErrorEvent } from '../common/bus.ts';
import type { StoreErrorEvent } from '../store/events.ts';
import { redactApiKeys } from '../common/redact.ts';
import { GatewayError, HTTP_STATUS } from '../common/errors.ts';
import { InternalError } from '../rpc/errors.ts';
import { describeDbError } from '../store/errors.ts';
import { CsrfRejectedError, PortalUnavailableError, RateLimitedError } from './errors.ts';
import { BadInputError } from '../common/errors.ts';
import { CONTENT_SECURITY_POLICY } from './pages/layout.ts';
import { readBody } from '../http/body.ts';

/** Sign-in messages are at most 4 KiB; nothing the portal takes needs more. */
export const MAX_FORM_BYTES = 16 * 1024;

export interface Fields {
  /** True when the client sent JSON: it gets JSON back; forms get pages. */
  json: boolean;
  get(name: string): unknown;
}

/** Reads a JSON object or an urlencoded form; anything else is refused before it is parsed. */
export async function readFields(ctx: Context): Promise<Fields> {
  const type = (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
  if (type !== 'application/json' && type !== 'application/x-www-form-urlencoded') {
    throw new BadInputError('Send the fields as JSON (application/json) or as a form (application/x-www-form-urlencoded).');
  }
  let text: string;
  try {
    text = await readBody(ctx.req, MAX_FORM_BYTES);
  } catch (err) {
    if (err instanceof GatewayError && err.kind === 'too_large') throw err;
    throw new BadInputError('The request body could not be read (it must be UTF-8).');
  }
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(text);
    return { json: false, get: (name) => form.get(name) ?? undefined };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadInputError('The body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadInputError('The body must be a JSON object.');
  const object = parsed as Record<string, unknown>;
  return { json: true, get: (name) => (Object.hasOwn(object, name) ? object[name] : undefined) };
}

/** Whether to answer with JSON rather than a page: the client sent JSON, or asked for JSON over HTML. */
export function prefersJson(ctx: Context): boolean {
  return ctx.is('application/json') === 'application/json' || ctx.accepts('html', 'json') === 'json';
}

/** An optional text field; anything but a string (or absent) is refused. */
export function optionalText(fields: Fields, name: string): string | undefined {
  const value = fields.get(name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadInputError(`${name} must be text.`);
  return value;
}

/**
 * Refuses a browser request sent from another site. Browsers send Origin (or Referer) with every POST;
 * clients that send neither are not browsers and carry no ambient cookies worth forging.
 * Returns whether the request came from a browser page of ours.
 */
export function assertSameOrigin(ctx: Context, publicUrl: string): boolean {
  const origin = ctx.get('origin');
  const source = origin || ctx.get('referer');
  if (!source) return false;
  let host: string;
  try {
    host = new URL(source).host;
  } catch {
    throw new CsrfRejectedError('the request names an unreadable origin');
  }
  if (origin === 'null' || (host !== new URL(publicUrl).host && host !== ctx.get('host'))) {
    throw new CsrfRejectedError('the form was sent from another site');
  }
  return true;
}

/** Security headers every portal answer carries. */
export function portalHeaders(ctx: Context): void {
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('Cache-Control', 'no-store');
}

export function sendPage(ctx: Context, status: number, page: string): void {
  portalHeaders(ctx);
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = page;
}

export function sendJson(ctx: Context, status: number, body: unknown): void {
  portalHeaders(ctx);
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(body);
}

/** Any failure as a GatewayError fit for the member; unexpected ones are reported on the bus first. */
export function asPortalError(err: unknown, bus: Emitter<StoreErrorEvent | InternalErrorEvent>, where: string): GatewayError {
  if (err instanceof GatewayError) return err;
  if (looksLikeDatabaseFailure(err)) {
    bus.emit({ type: 'store.error', operation: where, message: describeDbError(err) });
    return new PortalUnavailableError(err);
  }
  bus.emit({ type: 'gateway.error', where, message: redactApiKeys(err instanceof Error ? `${err.name}: ${err.message}` : String(err)) });
  return new InternalError(err);
}

/** The JSON error body: the member-facing message and a stable reason word for programs. */
function errorBody(error: GatewayError): { error: string; reason: string } {
  const problem = (error as { problem?: unknown }).problem;
  const reason = typeof problem === 'string' ? problem : error.name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return { error: error.message, reason };
}

/** The HTTP status of an error on the portal (by its kind), with Retry-After when the client is being rate limited. */
export function errorStatus(ctx: Context, error: GatewayError): number {
  if (error instanceof RateLimitedError) ctx.set('Retry-After', String(error.retryAfterSeconds));
  return HTTP_STATUS[error.kind];
}

/** An error as JSON: the member-facing message and a stable reason word. */
export function sendError(ctx: Context, error: GatewayError): void {
  sendJson(ctx, errorStatus(ctx, error), errorBody(error));
}

function looksLikeDatabaseFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (/^[0-9A-Z]{5}$/.test(code) || /^E[A-Z]+$/.test(code))) return true;
  const message = err instanceof Error ? err.message : '';
  return /connection|timeout|terminat|ECONN|pool/i.test(message);
}
