// A small interpreter for the subset of the OpenTelemetry Collector's stanza operators that
// collector/otelcol.yaml uses, so the parsing pipeline (its real regexes, routes and field moves,
// read from the YAML) can run against sample lines here, where the collector itself cannot.
// Unsupported operator types or expressions throw: the test fails rather than guess.

export type Fields = Record<string, unknown>;

export interface LogEntry {
  body: unknown;
  attributes: Fields;
  resource: Fields;
  timestamp?: Date;
  severityText?: string;
  severity?: string;
}

export interface Operator {
  id: string;
  type: string;
  output?: string;
  if?: string;
  on_error?: string;
  [key: string]: unknown;
}

/** What happened to one line: kept (with the entry as it leaves the pipeline) or dropped by a filter. */
export type Outcome = { kept: true; entry: LogEntry } | { kept: false };

type Path = { root: 'body' | 'attributes' | 'resource'; keys: string[] };

/** `attributes.attrs["io.x"]`, `resource["service.name"]`, `body` → root + keys. */
export function parsePath(text: string): Path {
  const m = /^(body|attributes|resource)/.exec(text);
  if (!m) throw new Error(`unsupported field: ${text}`);
  const keys: string[] = [];
  let rest = text.slice(m[0].length);
  while (rest) {
    const seg = /^\.([A-Za-z_][\w]*)|^\["([^"]+)"\]/.exec(rest);
    if (!seg) throw new Error(`unsupported field: ${text}`);
    keys.push((seg[1] ?? seg[2]) as string);
    rest = rest.slice(seg[0].length);
  }
  return { root: m[1] as Path['root'], keys };
}

// Like expr-lang, indexing through a nil value is an error: guards in the YAML must prevent it.
function read(entry: LogEntry, path: Path): unknown {
  let value: unknown = path.root === 'body' ? entry.body : entry[path.root];
  for (const key of path.keys) {
    if (value === undefined || value === null) throw new Error(`nil index "${key}"`);
    if (typeof value !== 'object') return undefined;
    value = (value as Fields)[key];
  }
  return value;
}

function write(entry: LogEntry, path: Path, value: unknown): void {
  if (path.keys.length === 0) {
    if (path.root !== 'body') throw new Error('cannot replace a whole map');
    entry.body = value;
    return;
  }
  let target: Fields = path.root === 'body' ? (entry.body as Fields) : entry[path.root];
  for (const key of path.keys.slice(0, -1)) {
    if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
    target = target[key] as Fields;
  }
  target[path.keys.at(-1) as string] = value;
}

function remove(entry: LogEntry, path: Path): void {
  if (path.keys.length === 0) throw new Error('cannot remove a root');
  const parent = read(entry, { root: path.root, keys: path.keys.slice(0, -1) });
  if (parent && typeof parent === 'object') delete (parent as Fields)[path.keys.at(-1) as string];
}

/** An expr-lang string literal ("..." with backslash escapes) to its value. */
function exprString(literal: string): string {
  return JSON.parse(literal) as string;
}

/** Go RE2 named groups `(?P<name>` to JavaScript's `(?<name>`; everything else used here means the same in both. */
export function re2ToJs(pattern: string): RegExp {
  if (/\(\?[=!]|\(\?<[=!]|\\[1-9]/.test(pattern)) throw new Error(`not RE2: ${pattern}`);
  return new RegExp(pattern.replace(/\(\?P</g, '(?<'));
}

/** The boolean expressions the YAML uses: clauses joined by `and` / `or`, each a nil check or `matches`. */
export function evaluate(expr: string, entry: LogEntry): boolean {
  return expr.split(' or ').some((any) => any.split(' and ').every((clause) => evaluateClause(clause.trim(), entry)));
}

function evaluateClause(clause: string, entry: LogEntry): boolean {
  let m = /^(\S+) (==|!=) nil$/.exec(clause);
  if (m) {
    const value = read(entry, parsePath(m[1] as string));
    const isNil = value === undefined || value === null;
    return m[2] === '==' ? isNil : !isNil;
  }
  m = /^(\S+) matches ("(?:[^"\\]|\\.)*")$/.exec(clause);
  if (m) {
    const value = read(entry, parsePath(m[1] as string));
    if (typeof value !== 'string') throw new Error(`matches on a non-string: ${clause}`);
    return new RegExp(exprString(m[2] as string)).test(value);
  }
  throw new Error(`unsupported expression: ${clause}`);
}

/** Extracts the regex of a `<field> matches "<re>"` route expression (for assertions on the routes). */
export function routeRegex(expr: string): RegExp {
  const m = /^\S+ matches ("(?:[^"\\]|\\.)*")$/.exec(expr.trim());
  if (!m) throw new Error(`unsupported route: ${expr}`);
  return new RegExp(exprString(m[1] as string));
}

function regexParse(op: Operator, entry: LogEntry): void {
  const value = read(entry, parsePath(String(op.parse_from ?? 'body')));
  if (typeof value !== 'string') throw new Error(`${op.id}: type cannot be parsed as regex`);
  const re = re2ToJs(String(op.regex));
  const m = re.exec(value);
  if (!m) throw new Error(`${op.id}: regex pattern does not match`);
  const target = parsePath(String(op.parse_to ?? 'attributes'));
  // Go's FindStringSubmatch gives "" for a group that did not take part; stanza stores it as is.
  for (const [name, v] of Object.entries(m.groups ?? {})) write(entry, { ...target, keys: [...target.keys, name] }, v ?? '');
}

function jsonParse(op: Operator, entry: LogEntry): void {
  const value = read(entry, parsePath(String(op.parse_from ?? 'body')));
  if (typeof value !== 'string') throw new Error(`${op.id}: not a string`);
  const parsed = JSON.parse(value) as Fields;
  const target = parsePath(String(op.parse_to ?? 'attributes'));
  if (target.root === 'attributes' && target.keys.length === 0) Object.assign(entry.attributes, parsed);
  else write(entry, target, parsed);
  const ts = op.timestamp as { parse_from: string } | undefined;
  if (ts) {
    const raw = read(entry, parsePath(ts.parse_from));
    const date = new Date(String(raw));
    if (Number.isNaN(date.getTime())) throw new Error(`${op.id}: bad timestamp ${String(raw)}`);
    entry.timestamp = date;
  }
}

function severity(op: Operator, entry: LogEntry): void {
  const value = String(read(entry, parsePath(String(op.parse_from))));
  const mapping = op.mapping as Record<string, string[]>;
  const level = Object.entries(mapping).find(([, texts]) => texts.includes(value))?.[0];
  if (!level) throw new Error(`${op.id}: no severity for "${value}"`);
  entry.severity = level;
  // overwrite_text: the text becomes the standard name (stanza's Severity.String()).
  entry.severityText = op.overwrite_text ? level.toUpperCase() : value;
}

/** Runs one docker log line through the operators, following outputs and routes like the collector does. */
export function runPipeline(operators: Operator[], line: string): Outcome {
  const byId = new Map(operators.map((op) => [op.id, op]));
  const entry: LogEntry = { body: line, attributes: {}, resource: {} };
  let index = 0;
  for (let steps = 0; index < operators.length; steps++) {
    if (steps > 1000) throw new Error('operator loop');
    const op = operators[index] as Operator;
    let next: string | undefined = op.output;
    const applies = op.if === undefined || evaluate(op.if, entry);
    if (applies) {
      try {
        switch (op.type) {
          case 'json_parser':
            jsonParse(op, entry);
            break;
          case 'regex_parser':
            regexParse(op, entry);
            break;
          case 'filter':
            if (evaluate(String(op.expr), entry)) return { kept: false };
            break;
          case 'move':
            write(entry, parsePath(String(op.to)), read(entry, parsePath(String(op.from))));
            remove(entry, parsePath(String(op.from)));
            break;
          case 'remove':
            remove(entry, parsePath(String(op.field)));
            break;
          case 'add': {
            const raw = String(op.value);
            const expr = /^EXPR\((.*)\)$/.exec(raw);
            write(entry, parsePath(String(op.field)), expr ? read(entry, parsePath(expr[1] as string)) : raw);
            break;
          }
          case 'severity_parser':
            severity(op, entry);
            break;
          case 'router': {
            const routes = op.routes as Array<{ output: string; expr: string }>;
            next = routes.find((r) => evaluate(r.expr, entry))?.output ?? (op.default as string | undefined);
            if (!next) return { kept: false };
            break;
          }
          default:
            throw new Error(`unsupported operator type ${op.type}`);
        }
      } catch (err) {
        // send_quiet / send: the entry goes on unchanged; anything else would drop it in the collector.
        if (op.on_error !== 'send_quiet' && op.on_error !== 'send') throw err;
      }
    }
    if (next !== undefined) {
      if (!byId.has(next)) throw new Error(`${op.id}: unknown output ${next}`);
      index = operators.findIndex((o) => o.id === next);
    } else {
      index++;
    }
  }
  return { kept: true, entry };
}

/** Applies `replace_pattern(attributes["x"], "re", "rep") [where ...]` OTTL statements (the only form the YAML uses). */
export function applyOttl(statements: string[], entry: LogEntry): void {
  for (const statement of statements) {
    const m = /^replace_pattern\(attributes\["([^"]+)"\], ("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*")\)(?: where .*)?$/.exec(statement);
    if (!m) throw new Error(`unsupported OTTL: ${statement}`);
    const key = m[1] as string;
    const value = entry.attributes[key];
    if (typeof value === 'string') entry.attributes[key] = value.replace(new RegExp(exprString(m[2] as string), 'g'), exprString(m[3] as string));
  }
}
