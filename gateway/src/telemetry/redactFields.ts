// Deep key redaction for values about to be logged: every string, at any depth, errors included.
import { redactApiKeys } from '../redact.ts';

const MAX_DEPTH = 8;

/** A copy of `value` with `/api/<key>` redacted in every string; errors become plain serialized objects. */
export function redactDeep(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactApiKeys(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  seen.add(value);
  try {
    if (value instanceof Error) return redactDeep(serializeError(value), depth, seen);
    if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      // URL, Date, class instances: redact what JSON would print (a URL's toJSON is its href, key included).
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      return redactDeep(typeof toJSON === 'function' ? (toJSON as () => unknown).call(value) : { ...value }, depth + 1, seen);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, depth + 1, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/** The shape pino's standard error serializer produces: type, message, stack, own fields, cause. */
function serializeError(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack };
  for (const [k, v] of Object.entries(err)) if (!(k in out)) out[k] = v;
  if (err.cause !== undefined) out.cause = err.cause;
  return out;
}
