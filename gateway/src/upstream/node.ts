// One upstream node's JSON-RPC client: keep-alive connections, one attempt at a time with its own
// timeout, no retries of its own (the pool decides), and answers classified without ever naming the URL.
// It is node:http itself: every pass-through call and cache miss goes through it, and a general-purpose client
// (got, before) cost about a third of the gateway's CPU per pass-through call in options, hooks and events it
// does not need here (docs/BENCHMARKS.md).
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import type { Cancel } from './cancel.ts';
import type { NodeConfig } from './config.ts';
import type { Network } from '../common/network.ts';
import type { CallOutcome, JsonRpcErrorObject } from '../rpc/types.ts';
import { classifyHttpStatus, classifyTransport, type AttemptResult } from './classify.ts';
import { scrub, urlSecrets } from './secrets.ts';

export type { AttemptResult } from './classify.ts';

export interface UpstreamNodeOptions {
  /** Connections kept per node at most; more requests wait for a free one. */
  maxSockets?: number;
  /** Bigger answers are dropped as malformed rather than held in memory. */
  maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const MAX_DETAIL = 120;

export class UpstreamNode {
  readonly name: string;
  readonly network: Network;
  readonly timeoutMs: number | undefined;
  private readonly secrets: string[];
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly https: boolean;
  /** The URL's parts (host, port, path, credentials), the method and the agent as request options, worked out once. */
  private readonly target: RequestOptions;
  private readonly maxResponseBytes: number;
  private nextId = 1;

  constructor(network: Network, cfg: NodeConfig, opts: UpstreamNodeOptions = {}) {
    this.name = cfg.name;
    this.network = network;
    this.timeoutMs = cfg.timeoutMs;
    this.secrets = urlSecrets(cfg.url);
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    // Free sockets close after 4 s idle, before common servers drop them (5 s+), so a reused socket is rarely dead.
    const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 128, maxFreeSockets: 32, timeout: 4000, scheduling: 'lifo' as const };
    const url = new URL(cfg.url);
    this.https = url.protocol === 'https:';
    this.agent = this.https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    // Only the options a request reads (urlToHttpOptions also gives href, search, hash...): each request copies them.
    const { hostname, port, path, auth } = urlToHttpOptions(url);
    this.target = { hostname, port, path, ...(auth ? { auth } : {}), method: 'POST', agent: this.agent };
  }

  /** One JSON-RPC call on this node. Never throws: every way it can go wrong is an AttemptResult. */
  attempt(method: string, params: unknown, timeoutMs: number, cancel?: Cancel): Promise<AttemptResult> {
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params: params ?? [] });
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      // Whether the connection existed before anything failed: until then nothing was written.
      let connected = false;
      let req: ClientRequest | undefined;
      const finish = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        cancel?.off(onAbort);
        resolve(result);
      };
      const fail = (code: string | undefined) => {
        finish(this.transportFailure(code, connected, timeoutMs));
        req?.destroy();
      };
      const onAbort = () => fail('ERR_ABORTED');
      const timer = setTimeout(() => fail('ETIMEDOUT'), timeoutMs);
      if (cancel?.cancelled) return fail('ERR_ABORTED');
      cancel?.on(onAbort);
      const send = this.https ? httpsRequest : httpRequest;
      req = send(
        {
          ...this.target,
          headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'community-rpc-gateway', 'content-length': Buffer.byteLength(body) },
        },
        (res) => this.read(res, id, finish, fail),
      );
      req.on('socket', (socket) => {
        if (!socket.connecting) connected = true; // a kept-alive connection
        else socket.once(this.https ? 'secureConnect' : 'connect', () => (connected = true));
      });
      req.on('error', (err: NodeJS.ErrnoException) => fail(err.code));
      req.end(body);
    });
  }

  /** The answer's body, within the size limit, then its meaning. */
  private read(res: IncomingMessage, id: number, finish: (r: AttemptResult) => void, fail: (code: string | undefined) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.maxResponseBytes) {
        finish({ ok: false, failure: 'malformed', reached: true, detail: `response over ${this.maxResponseBytes} bytes` });
        res.destroy();
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => finish(this.interpret(res.statusCode ?? 0, Buffer.concat(chunks, size).toString('utf8'), id)));
    res.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? 'ECONNRESET'));
    res.on('aborted', () => fail('ECONNRESET'));
  }

  /** Close idle and active connections; later attempts open new ones. */
  close(): void {
    this.agent.destroy();
  }

  private transportFailure(code: string | undefined, connected: boolean, timeoutMs: number): AttemptResult {
    const { failure, reached } = classifyTransport(code, connected);
    const what = code === 'ETIMEDOUT' ? `timeout after ${timeoutMs} ms` : (code ?? 'error');
    const detail = failure === 'connect' ? `connect failed: ${what}` : what;
    return { ok: false, failure, reached, detail: this.clean(detail) };
  }

  private interpret(status: number, text: string, id: number): AttemptResult {
    const httpClass = classifyHttpStatus(status);
    const parsed = parseResponse(text, id);
    if (httpClass === undefined) {
      if (parsed.ok) return { ok: true, outcome: this.cleanOutcome(parsed.outcome) };
      return { ok: false, failure: 'malformed', reached: true, detail: parsed.detail, httpStatus: status };
    }
    // Some providers send JSON-RPC errors (invalid params, reverts) with a 4xx: the error is the answer.
    if (httpClass === 'http_other' && parsed.ok && parsed.outcome.kind === 'error') {
      return { ok: true, outcome: this.cleanOutcome(parsed.outcome) };
    }
    return { ok: false, failure: httpClass, reached: true, detail: `HTTP ${status}`, httpStatus: status };
  }

  private cleanOutcome(outcome: CallOutcome): CallOutcome {
    if (outcome.kind === 'result') return outcome;
    const { message, data } = outcome.error;
    const cleanMessage = scrub(message, this.secrets);
    const cleanData = typeof data === 'string' ? scrub(data, this.secrets) : data;
    if (cleanMessage === message && cleanData === data) return outcome;
    return { kind: 'error', error: cleanData === undefined ? { code: outcome.error.code, message: cleanMessage } : { code: outcome.error.code, message: cleanMessage, data: cleanData } };
  }

  private clean(detail: string): string {
    const s = scrub(detail, this.secrets);
    return s.length <= MAX_DETAIL ? s : s.slice(0, MAX_DETAIL);
  }
}

type Parsed = { ok: true; outcome: CallOutcome } | { ok: false; detail: string };

/** Read one JSON-RPC 2.0 response for request `id`; anything else is malformed. */
export function parseResponse(text: string, id: number): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, detail: text.length === 0 ? 'empty body' : 'body is not JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, detail: 'body is not a JSON-RPC response' };
  const r = body as Record<string, unknown>;
  if (r.id !== id && String(r.id) !== String(id)) return { ok: false, detail: 'response id does not match the request' };
  if (r.error !== undefined && r.error !== null) {
    const error = readError(r.error);
    return error ? { ok: true, outcome: { kind: 'error', error } } : { ok: false, detail: 'error member is not a JSON-RPC error' };
  }
  if (!('result' in r) || r.result === undefined) return { ok: false, detail: 'neither result nor error' };
  return { ok: true, outcome: { kind: 'result', raw: JSON.stringify(r.result), value: r.result } };
}

function readError(e: unknown): JsonRpcErrorObject | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, message, data } = e as Record<string, unknown>;
  if (typeof code !== 'number' || !Number.isInteger(code)) return undefined;
  const text = typeof message === 'string' ? message : '';
  return data === undefined ? { code, message: text } : { code, message: text, data };
}
