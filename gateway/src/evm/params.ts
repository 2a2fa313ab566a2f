// The positional params a method takes: how many are required, and the shape of each. A call that is
// certainly malformed is answered -32602 by the gateway instead of costing a node round trip.
import type { Check } from './checks.ts';

export interface ParamShape {
  required: number;
  /** One check per position; the length is the most params the method takes. */
  checks: readonly Check[];
}

export const shape = (required: number, ...checks: Check[]): ParamShape => ({ required, checks });

/** Why the params do not fit the method's shape (a message for the member), or undefined when they do. */
export function paramsProblem(method: string, s: ParamShape, params: unknown): string | undefined {
  const list = params === undefined ? [] : params;
  if (!Array.isArray(list)) return `${method} takes positional params (an array)`;
  if (list.length < s.required) return `${method} needs at least ${s.required} param${s.required === 1 ? '' : 's'}, got ${list.length}`;
  if (list.length > s.checks.length) return `${method} takes at most ${s.checks.length} params, got ${list.length}`;
  for (let i = 0; i < list.length; i++) {
    const value: unknown = list[i];
    if (i >= s.required && (value === undefined || value === null)) continue;
    const why = s.checks[i]!(value);
    if (why) return `${method} param ${i + 1}: ${why}`;
  }
  return undefined;
}
