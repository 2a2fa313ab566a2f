// The "id" of each call exactly as the member wrote it. JSON.parse turns 123456789012345678901234567890 into
// 1.2345678901234568e+29 and "\u0041" into "A"; JSON-RPC wants the id back as sent, so the reply splices in the
// original text. Runs only on a body JSON.parse has accepted, so it can assume well-formed JSON; iterative, so
// no nesting depth can overflow the stack.

const WS = new Set([' ', '\t', '\n', '\r']);

/** One entry for a single call, one per element of a batch: the raw text of its id member, if it has one. */
export function rawIds(text: string): Array<string | undefined> {
  let i = skipWs(text, 0);
  if (text[i] === '{') return [objectId(text, i).id];
  if (text[i] !== '[') return [undefined];
  const out: Array<string | undefined> = [];
  i = skipWs(text, i + 1);
  if (text[i] === ']') return out;
  for (;;) {
    if (text[i] === '{') {
      const o = objectId(text, i);
      out.push(o.id);
      i = o.end;
    } else {
      out.push(undefined);
      i = skipValue(text, i);
    }
    i = skipWs(text, i);
    if (text[i] !== ',') return out;
    i = skipWs(text, i + 1);
  }
}

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text[i]!)) i++;
  return i;
}

/** The index after the string starting at i (at its opening quote). */
function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') return i + 1;
  }
  return i;
}

/** The index after the value starting at i. */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c !== '{' && c !== '[') {
    while (i < text.length && !WS.has(text[i]!) && text[i] !== ',' && text[i] !== '}' && text[i] !== ']') i++;
    return i;
  }
  let depth = 0;
  while (i < text.length) {
    const d = text[i];
    if (d === '"') {
      i = skipString(text, i);
      continue;
    }
    if (d === '{' || d === '[') depth++;
    else if (d === '}' || d === ']') depth--;
    i++;
    if (depth === 0) return i;
  }
  return i;
}

/** The raw id of the object starting at i (the last one, as JSON.parse keeps the last), and the index after it. */
function objectId(text: string, i: number): { id: string | undefined; end: number } {
  let id: string | undefined;
  i = skipWs(text, i + 1);
  if (text[i] === '}') return { id, end: i + 1 };
  for (;;) {
    const keyEnd = skipString(text, i);
    const rawKey = text.slice(i + 1, keyEnd - 1);
    const key = rawKey.includes('\\') ? (JSON.parse(`"${rawKey}"`) as string) : rawKey;
    const valueStart = skipWs(text, skipWs(text, keyEnd) + 1); // past the colon
    const valueEnd = skipValue(text, valueStart);
    if (key === 'id') id = text.slice(valueStart, valueEnd);
    i = skipWs(text, valueEnd);
    if (text[i] !== ',') return { id, end: i + 1 };
    i = skipWs(text, i + 1);
  }
}
