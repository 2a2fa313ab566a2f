// Just enough of docker compose's file model to check the stack statically (docker does not run here):
// variable interpolation, merging an override file, and normalised views of services.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Env = Record<string, string>;

export interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  ports?: string[];
  volumes?: string[];
  command?: string[] | string;
  entrypoint?: string[] | string;
  labels?: Record<string, string>;
  logging?: { driver?: string; options?: Record<string, string> };
  profiles?: string[];
  [key: string]: unknown;
}

export interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** KEY=VALUE lines (docker compose --env-file); comments and blank lines ignored. */
export function readEnvFile(path: string): Env {
  const env: Env = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1] as string] = (m[2] as string).trim();
  }
  return env;
}

/** Compose interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
export function interpolate(text: string, env: Env): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name, colon, op, arg, bare) => {
    if (whole === '$$') return '$';
    if (bare) return env[bare] ?? '';
    const value = env[name as string];
    const missing = colon ? !value : value === undefined;
    if (op === '-') return missing ? (arg as string) : (value as string);
    if (op === '?') {
      if (missing) throw new Error(`required variable ${name as string} is missing: ${arg as string}`);
      return value as string;
    }
    return value ?? '';
  });
}

function interpolateDeep(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)]));
  }
  return value;
}

/** Lists like `[a, b]` become `{a: {}, b: {}}`, and `KEY=value` environment lists become maps, as compose does. */
function normalise(service: Service): Service {
  const out: Service = { ...service };
  if (Array.isArray(service.depends_on)) out.depends_on = Object.fromEntries((service.depends_on as string[]).map((d) => [d, {}]));
  if (Array.isArray(service.environment)) {
    out.environment = Object.fromEntries((service.environment as string[]).map((e) => [e.split('=')[0], e.split('=').slice(1).join('=')]));
  }
  if (typeof service.build === 'string') out.build = { context: service.build };
  return out;
}

export function loadCompose(path: string, env: Env): ComposeFile {
  const raw = parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
  const file = interpolateDeep(raw, env) as ComposeFile;
  for (const [name, service] of Object.entries(file.services)) file.services[name] = normalise(service);
  return file;
}

/** An override file on top of a base: maps merged key by key, ports and volumes appended (compose's rules for these keys). */
export function mergeCompose(base: ComposeFile, override: ComposeFile): ComposeFile {
  const services: Record<string, Service> = { ...base.services };
  for (const [name, extra] of Object.entries(override.services)) {
    const current = services[name] ?? {};
    const merged: Service = { ...current, ...extra };
    for (const key of ['environment', 'depends_on', 'labels'] as const) {
      if (current[key] || extra[key]) merged[key] = { ...(current[key] as object), ...(extra[key] as object) } as never;
    }
    for (const key of ['ports', 'volumes'] as const) {
      if (current[key] || extra[key]) merged[key] = [...(current[key] ?? []), ...(extra[key] ?? [])];
    }
    services[name] = merged;
  }
  return { services, volumes: { ...base.volumes, ...override.volumes } };
}

export interface Mount {
  source: string;
  target: string;
  bind: boolean;
}

/** Short volume syntax `source:target[:mode]`; a source starting with . or / is a bind mount. */
export function mounts(service: Service): Mount[] {
  return (service.volumes ?? []).map((v) => {
    const [source = '', target = ''] = v.split(':');
    return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
  });
}

/** `[ip:]host:container[/proto]` → the host side, for uniqueness checks. */
export function hostPort(spec: string): string {
  const [ports, proto = 'tcp'] = spec.split('/');
  const parts = (ports as string).split(':');
  const host = parts.length === 3 ? `${parts[0]}:${parts[1]}` : `0.0.0.0:${parts[0]}`;
  return `${host}/${proto}`;
}

/** "http://name:port/path" → [name, port]. */
export function hostAndPort(url: string): [string, number] {
  const u = new URL(url.includes('://') ? url : `http://${url}`);
  return [u.hostname, Number(u.port || (u.protocol === 'https:' ? 443 : 80))];
}

export function commandArgs(value: string[] | string | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(/\s+/);
}
