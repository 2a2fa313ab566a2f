// A loopback HTTP server that plays a misbehaving node: 5xx, 429, garbage, hangs, resets, node-state
// errors, for chosen methods only, and otherwise delegates to a real node (Anvil).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Misbehaviour =
  | { kind: 'status'; status: number; /** `%ID%` becomes the request's id. */ body?: string }
  | { kind: 'garbage' }
  | { kind: 'truncated' }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'rpcError'; code: number; message: string }
  | { kind: 'result'; result: unknown }
  /** Answers as the real node would, this much later. */
  | { kind: 'slow'; ms: number }
  /** Hands the call to the real node (which acts on it), then drops the connection instead of answering. */
  | { kind: 'lostReply' };

export interface Rule {
  /** Only calls of this method; every method when absent. */
  method?: string;
  /** Only members' calls: the head tracker's polls (eth_getBlockByNumber latest / finalized) pass through. */
  membersOnly?: boolean;
  /** Only calls whose params pass this test. */
  params?: (params: unknown) => boolean;
  /** Applies this many times, then falls away; forever when absent. */
  times?: number;
  /** Applies for this long after misbehave(), then falls away (a blip in time rather than in count). */
  forMs?: number;
  act: Misbehaviour;
}

export interface FakeNode {
  url: string;
  /** Every JSON-RPC body received, in order: its method ('?' when it has none) and params, and the body as parsed. */
  received: Array<{ method: string; params: unknown; envelope: unknown }>;
  callsOf(method: string): number;
  misbehave(rule: Rule): void;
  /** Back to plain delegation. */
  reset(): void;
  close(): Promise<void>;
}

/** The head tracker's polls: what a node's member-only fault must not touch. */
export function isHeadPoll(method: string, params: unknown): boolean {
  return method === 'eth_getBlockByNumber' && Array.isArray(params) && (params[0] === 'latest' || params[0] === 'finalized');
}

/** Starts a fake node on 127.0.0.1 that forwards to `delegateUrl` unless a rule says otherwise. */
export async function startFakeNode(delegateUrl: string): Promise<FakeNode> {
  const received: FakeNode['received'] = [];
  let rules: Array<Rule & { until?: number }> = [];

  const ruleFor = (method: string, params: unknown): Rule | undefined => {
    const now = Date.now();
    rules = rules.filter((r) => r.until === undefined || r.until > now);
    const rule = rules.find(
      (r) =>
        (r.method === undefined || r.method === method) &&
        (r.params === undefined || r.params(params)) &&
        !(r.membersOnly && isHeadPoll(method, params)),
    );
    if (rule?.times !== undefined && --rule.times <= 0) rules = rules.filter((r) => r !== rule);
    return rule;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: { id?: unknown; method?: unknown; params?: unknown };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        res.writeHead(400).end('not json');
        return;
      }
      const method = typeof body.method === 'string' ? body.method : '?';
      received.push({ method, params: body.params, envelope: body });
      const rule = Array.isArray(body) ? undefined : ruleFor(method, body.params);
      if (!rule) return void delegate(text, res);
      const act = rule.act;
      const id = JSON.stringify(body.id ?? null);
      switch (act.kind) {
        case 'status':
          res.writeHead(act.status, { 'content-type': 'text/plain' }).end(act.body?.replaceAll('%ID%', id) ?? `status ${act.status}`);
          return;
        case 'garbage':
          res.writeHead(200, { 'content-type': 'application/json' }).end('<html>502 upstream said no</html>');
          return;
        case 'truncated':
          res.writeHead(200, { 'content-type': 'application/json' }).end(`{"jsonrpc":"2.0","id":${id},"result":"0x`);
          return;
        case 'slow':
          setTimeout(() => void delegate(text, res), act.ms);
          return;
        case 'lostReply':
          void delegate(text, undefined).then(() => req.socket.destroy());
          return;
        case 'hang':
          return; // never answers; close() tears the socket down
        case 'reset':
          req.socket.destroy();
          return;
        case 'rpcError':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(`{"jsonrpc":"2.0","id":${id},"error":${JSON.stringify({ code: act.code, message: act.message })}}`);
          return;
        case 'result':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(`{"jsonrpc":"2.0","id":${id},"result":${JSON.stringify(act.result)}}`);
          return;
      }
    });
  });

  /** The real node's answer, relayed to `res` (or only obtained, when there is no `res`). */
  async function delegate(text: string, res: ServerResponse | undefined): Promise<void> {
    try {
      const upstream = await fetch(delegateUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
        signal: AbortSignal.timeout(10_000),
      });
      const answer = await upstream.text();
      if (res && !res.destroyed) res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(answer);
    } catch {
      if (res && !res.destroyed) res.writeHead(502).end('delegate unreachable');
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    callsOf: (method) => received.filter((r) => r.method === method).length,
    misbehave: (rule) => {
      rules.push({ ...rule, until: rule.forMs === undefined ? undefined : Date.now() + rule.forMs });
    },
    reset: () => {
      rules = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
