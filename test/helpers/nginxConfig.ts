// The load balancer's config, rendered from compose/nginx/templates/gateway.conf.template exactly as the nginx
// image's envsubst does in compose (${VAR} replaced, nginx's own $variables untouched), plus what compose's
// image adds around it (the main nginx.conf), for Debian's nginx run by a test as an unprivileged process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GATEWAY_TEMPLATE = fileURLToPath(new URL('../../compose/nginx/templates/gateway.conf.template', import.meta.url));

/** The variables the template uses, in the order they first appear. */
export function templateVariables(template = readFileSync(GATEWAY_TEMPLATE, 'utf8')): string[] {
  const withoutComments = template.replace(/#.*$/gm, '');
  return [...new Set([...withoutComments.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1] as string))];
}

/**
 * Renders the template: each ${VAR} from `vars`; a variable given as a list repeats its whole line once per
 * item (compose gives GATEWAY_SERVER one name that resolves to every replica; a test lists the replicas).
 */
export function renderGatewayConf(vars: Record<string, string | string[]>, template = readFileSync(GATEWAY_TEMPLATE, 'utf8')): string {
  for (const name of templateVariables(template)) {
    if (!(name in vars)) throw new Error(`the nginx template needs ${name}`);
  }
  const lines = template.split('\n').flatMap((line) => {
    const list = Object.entries(vars).find(([name, v]) => Array.isArray(v) && line.includes(`\${${name}}`));
    if (!list || /^\s*#/.test(line)) return [line];
    return (list[1] as string[]).map((item) => line.replaceAll(`\${${list[0]}}`, item));
  });
  // As envsubst with the variables given: anything else written ${LIKE_THIS} is left as it is.
  return lines.join('\n').replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    const v = vars[name];
    return typeof v === 'string' ? v : whole;
  });
}

export function nginxBinary(): string | undefined {
  for (const path of ['/usr/sbin/nginx', '/usr/bin/nginx']) {
    if (spawnSync(path, ['-v']).status === 0) return path;
  }
  return undefined;
}

export interface NginxLb {
  /** http://127.0.0.1:PORT */
  base: string;
  dir: string;
  accessLog(): string;
  errorLog(): string;
  stop(): Promise<void>;
  process: ChildProcess;
}

/** The main config around the rendered snippet: everything under `dir`, nothing needing root. */
function mainConf(dir: string, snippet: string): string {
  return [
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'main-error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    `  client_body_temp_path ${join(dir, 'body')};`,
    `  proxy_temp_path ${join(dir, 'proxy')};`,
    `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
    `  scgi_temp_path ${join(dir, 'scgi')};`,
    `  include ${join(dir, 'gateway.conf')};`,
    '}',
    '',
  ].join('\n');
}

/** Writes the config for these replicas into a fresh directory; returns the directory and the main config. */
export function writeNginxConfig(o: { port: number; servers: string[] }): { dir: string; conf: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gw-nginx-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const snippet = renderGatewayConf({
    NGINX_LISTEN: `127.0.0.1:${o.port}`,
    GATEWAY_SERVER: o.servers,
    NGINX_ACCESS_LOG: join(dir, 'access.log'),
    NGINX_ERROR_LOG: join(dir, 'error.log'),
  });
  writeFileSync(join(dir, 'gateway.conf'), snippet);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, mainConf(dir, snippet));
  return { dir, conf };
}

/** `nginx -t` on a config: the error text, or undefined when nginx accepts it. */
export function nginxCheck(nginx: string, dir: string, conf: string): string | undefined {
  const r = spawnSync(nginx, ['-t', '-q', '-p', dir, '-c', conf, '-e', join(dir, 'main-error.log')], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${r.stderr}${r.stdout}`;
}

/** Debian's nginx in the foreground, listening on 127.0.0.1:port, in front of `servers`. */
export async function startNginx(o: { port: number; servers: string[] }): Promise<NginxLb> {
  const nginx = nginxBinary();
  if (!nginx) throw new Error('nginx is not installed (apt-get install nginx)');
  const { dir, conf } = writeNginxConfig(o);
  const problem = nginxCheck(nginx, dir, conf);
  if (problem) throw new Error(`nginx refused the config: ${problem}`);
  const child = spawn(nginx, ['-p', dir, '-c', conf, '-e', join(dir, 'main-error.log'), '-g', 'daemon off; master_process on;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${o.port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const ok = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not answer on ${base}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return '';
    }
  };
  return {
    base,
    dir,
    process: child,
    accessLog: () => read('access.log'),
    errorLog: () => read('error.log') + read('main-error.log'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT'); // graceful: workers finish their requests
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(force);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
