// Reading PromQL the way the alerting and dashboard checks need it: which metric names an expression
// selects, which series docs/METRICS.md documents, and Grafana's template variables replaced so the
// expression can be handed to promtool. Parsing itself is promtool's job; this only finds names.
import { readFileSync } from 'node:fs';

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'inf', 'nan']);

/** Metric names selected by a PromQL expression (not functions, keywords, labels or durations). */
export function metricNames(expr: string): string[] {
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/\{[^{}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ') // label lists
    .replace(/\boffset\s+-?[\dsmhdwy]+/gi, ' ')
    .replace(/@\s*[\d.]+|@\s*(?:start|end)\(\)/g, ' ');
  const names = new Set<string>();
  const token = /(0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g;
  for (const m of text.matchAll(token)) {
    const [, number, ident, call] = m;
    if (number || !ident || call) continue; // numbers; functions and aggregations are followed by "("
    if (KEYWORDS.has(ident.toLowerCase())) continue;
    names.add(ident);
  }
  return [...names];
}

export interface DocumentedSeries {
  name: string;
  type: string;
}

/** The series table of docs/METRICS.md: `| \`name\` | type | ... |`. */
export function documentedSeries(markdown: string): DocumentedSeries[] {
  const out: DocumentedSeries[] = [];
  for (const m of markdown.matchAll(/^\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\s*\|\s*(\w+)\s*\|/gm)) {
    out.push({ name: m[1] as string, type: m[2] as string });
  }
  return out;
}

/** Every name a query may select for the documented series (a histogram's _bucket, _sum and _count). */
export function queryableNames(series: DocumentedSeries[]): Set<string> {
  const names = new Set<string>();
  for (const s of series) {
    if (s.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${s.name}${suffix}`);
    else names.add(s.name);
  }
  return names;
}

export function readDocumentedNames(path: string): Set<string> {
  return queryableNames(documentedSeries(readFileSync(path, 'utf8')));
}

/** Series Prometheus makes itself, which the rules and dashboards may use. */
export const PROMETHEUS_SERIES = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE']);

/** Grafana variables to values PromQL accepts: a multi-value regex variable becomes ".+", intervals become 5m. */
export function withGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(?:rate_interval|interval|auto|range)\b|\$\{__(?:rate_interval|interval|auto|range)\}/g, '5m')
    .replace(/\$\{([A-Za-z_]\w*)(?::\w+)?\}|\$([A-Za-z_]\w*)/g, '.+');
}
