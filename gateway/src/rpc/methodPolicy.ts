// Which methods members may call. Denied methods are answered by the gateway and never reach a node.
// Names are compared without regard to case: some node clients match method names that way, so
// `Debug_traceTransaction` must be refused like `debug_traceTransaction`.

export interface MethodPolicy {
  allows(method: string): boolean;
}

/** `deny` and `allow` hold exact names or `prefix*` patterns; `allow` wins over `deny`. */
export function methodPolicy(deny: readonly string[], allow: readonly string[]): MethodPolicy {
  const denied = compile(deny);
  const allowed = compile(allow);
  const memo = new Map<string, boolean>();
  return {
    allows(method) {
      let answer = memo.get(method);
      if (answer === undefined) {
        const name = method.toLowerCase();
        answer = allowed(name) || !denied(name);
        if (memo.size < 10_000) memo.set(method, answer); // bounded: method names come from members
      }
      return answer;
    },
  };
}

function compile(patterns: readonly string[]): (lowerCaseMethod: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of patterns.map((x) => x.toLowerCase())) {
    if (p.endsWith('*')) prefixes.push(p.slice(0, -1));
    else exact.add(p);
  }
  return (method) => exact.has(method) || prefixes.some((prefix) => method.startsWith(prefix));
}
