// API keys travel in the URL path (/api/<key>/l2). Anything that may print a path or URL goes through here.

const KEY_IN_PATH = /\/api\/[^/?#\s"']+/g;

/** Replace the key segment of every `/api/<key>` in a string with `<redacted>`. */
export function redactApiKeys(text: string): string {
  return text.replace(KEY_IN_PATH, '/api/<redacted>');
}
