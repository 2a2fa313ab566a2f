// The `method` metric label: method names come from members, so only a closed set may become a label value.
import { KNOWN_METHODS } from '../evm/methods.ts';

export const OTHER_METHOD = 'other';

/** The method itself when the method table knows it, else `other`: bounded label cardinality. */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : OTHER_METHOD;
}
