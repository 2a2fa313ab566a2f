// Node URLs often carry provider credentials (user:pass, /v2/<key>, ?apikey=). Text that may echo
// them (a node's own error message) is scrubbed before it goes anywhere.

/** The parts of a node URL that may be secret: userinfo, long path segments, query values, the URL itself. */
export function urlSecrets(url: string): string[] {
  const out = new Set<string>([url]);
  try {
    const u = new URL(url);
    if (u.username) out.add(decodeURIComponent(u.username));
    if (u.password) out.add(decodeURIComponent(u.password));
    for (const seg of u.pathname.split('/')) if (seg.length >= 6) out.add(decodeURIComponent(seg));
    for (const value of u.searchParams.values()) if (value.length >= 6) out.add(value);
    out.add(`${u.protocol}//${u.host}${u.pathname}`);
  } catch {
    // config already validated the URL; nothing more to learn from a bad one
  }
  // Longest first, so a URL is replaced whole before its parts.
  return [...out].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('<redacted>');
  return out;
}
