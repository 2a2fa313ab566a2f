// What JSON-RPC 2.0 (and EIP-1474) requires of an answer, written down independently of the gateway's code: how
// many answers a body needs, whether an answer is well formed, and whether a call that reached a node was one a
// node may be sent. The fuzzers judge every answer by these.
import { DEFAULT_DENY, knownMethodInOtherCase, methodSpec } from '../../gateway/src/evm/methods.ts';
import { paramsProblem } from '../../gateway/src/evm/params.ts';

const METHOD = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
const MAX_DEPTH = 32;
const MAX_ITEMS = 100_000;

/** Nesting depth and value count of a parsed JSON value, without recursion (the value may be 100,000 deep). */
export function measure(value: unknown): { depth: number; items: number } {
  let depth = 0;
  let items = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    depth = Math.max(depth, d);
    const children = Array.isArray(v) ? v : Object.values(v);
    items += children.length;
    for (const c of children) stack.push([c, d + 1]);
  }
  return { depth, items };
}

/** A call that is a valid notification: JSON-RPC answers nothing to it, whatever its method or params do. */
export function isNotification(call: unknown): boolean {
  if (typeof call !== 'object' || call === null || Array.isArray(call)) return false;
  const c = call as Record<string, unknown>;
  if (Object.hasOwn(c, 'id') || c.jsonrpc !== '2.0' || typeof c.method !== 'string' || !METHOD.test(c.method)) return false;
  if (c.params === undefined) return true;
  if (typeof c.params !== 'object' || c.params === null) return false;
  const m = measure(c.params);
  return m.depth <= MAX_DEPTH && m.items <= MAX_ITEMS;
}

export type Expectation =
  | { kind: 'single' }
  | { kind: 'batch'; answers: number }
  /** Every call a notification: no body at all. */
  | { kind: 'none' }
  /** Not JSON-RPC at all (not JSON, not UTF-8, over the limits): one error with id null, with this code. */
  | { kind: 'error'; code: number };

export function expectationOf(body: Buffer, limits: { maxBodyBytes: number; maxBatch: number }): Expectation {
  if (body.length > limits.maxBodyBytes) return { kind: 'error', code: -32005 }; // EIP-1474: limit exceeded
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return { kind: 'error', code: -32700 };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: 'error', code: -32600 };
    if (value.length > limits.maxBatch) return { kind: 'error', code: -32005 };
    const answers = value.filter((c) => !isNotification(c)).length;
    return answers === 0 ? { kind: 'none' } : { kind: 'batch', answers };
  }
  return isNotification(value) ? { kind: 'none' } : { kind: 'single' };
}

/** Why `response` is not a well-formed JSON-RPC 2.0 response object; undefined when it is. */
export function responseProblem(response: unknown): string | undefined {
  if (typeof response !== 'object' || response === null || Array.isArray(response)) return 'not an object';
  const r = response as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
  if (!Object.hasOwn(r, 'id')) return 'no id';
  if (r.id !== null && typeof r.id !== 'string' && typeof r.id !== 'number') return 'id of the wrong type';
  const hasResult = Object.hasOwn(r, 'result');
  const hasError = Object.hasOwn(r, 'error');
  if (hasResult === hasError) return 'must have exactly one of result and error';
  if (hasError) {
    const e = r.error as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null) return 'error is not an object';
    if (!Number.isInteger(e.code)) return 'error.code is not an integer';
    if (typeof e.message !== 'string' || e.message.length === 0) return 'error.message is not a non-empty string';
    if (e.code === -32603) return `internal error: ${e.message}`;
  }
  return undefined;
}

/** The raw text of the first response's id as it appears on the wire (the gateway writes jsonrpc, then id). */
export function rawIdOf(answer: string): string | undefined {
  const m = /^\{"jsonrpc":"2\.0","id":/.exec(answer);
  if (!m) return undefined;
  // The id is a JSON value; find where it ends by trying the shortest prefix that parses and is followed by a comma.
  const rest = answer.slice(m[0].length);
  for (let end = rest.indexOf(','); end !== -1; end = rest.indexOf(',', end + 1)) {
    try {
      JSON.parse(rest.slice(0, end));
      return rest.slice(0, end);
    } catch {
      // inside a string: keep looking
    }
  }
  return undefined;
}

const denied = DEFAULT_DENY.map((p) => p.toLowerCase());
/** Why a body that reached the node should never have been sent to one; undefined when it is a fine call. */
export function upstreamProblem(envelope: unknown): string | undefined {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return 'not a single call object';
  const c = envelope as Record<string, unknown>;
  if (c.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
  if (typeof c.method !== 'string' || !METHOD.test(c.method)) return `method name ${JSON.stringify(c.method)}`;
  const lower = c.method.toLowerCase();
  if (denied.some((p) => (p.endsWith('*') ? lower.startsWith(p.slice(0, -1)) : lower === p))) return `denied method ${c.method}`;
  if (knownMethodInOtherCase(c.method)) return `a known method in another case: ${c.method}`;
  if (c.params !== undefined && (typeof c.params !== 'object' || c.params === null)) return 'params not an array or object';
  const m = measure(c.params);
  if (m.depth > MAX_DEPTH || m.items > MAX_ITEMS) return `params beyond bounds (${m.depth} deep, ${m.items} values)`;
  const shape = methodSpec(c.method)?.params;
  const problem = shape && paramsProblem(c.method, shape, c.params);
  if (problem) return `${c.method} with bad params: ${problem}`;
  return undefined;
}
