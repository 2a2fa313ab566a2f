// One upstream node's JSON-RPC client: keep-alive connections, one attempt at a time with its own
// timeout, no retries of its own (the pool decides), and answers classified without ever naming the URL.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { RequestError, type Got } from 'got';
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
  private readonly url: string;
  private readonly secrets: string[];
  private readonly agents: { http: HttpAgent; https: HttpsAgent };
  private readonly client: Got;
  private readonly maxResponseBytes: number;
  private nextId = 1;

  constructor(network: Network, cfg: NodeConfig, opts: UpstreamNodeOptions = {}) {
    this.name = cfg.name;
    this.network = network;
    this.timeoutMs = cfg.timeoutMs;
    this.url = cfg.url;
    this.secrets = urlSecrets(cfg.url);
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    // Free sockets close after 4 s idle, before common servers drop them (5 s+), so a reused socket is rarely dead.
    const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 128, maxFreeSockets: 32, timeout: 4000, scheduling: 'lifo' as const };
    this.agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
    this.client = got.extend({
      agent: this.agents,
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      http2: false,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'community-rpc-gateway' },
    });
  }

  /** One JSON-RPC call on this node. Never throws: every way it can go wrong is an AttemptResult. */
  async attempt(method: string, params: unknown, timeoutMs: number, signal?: AbortSignal): Promise<AttemptResult> {
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params: params ?? [] });
    let status: number;
    let text: string;
    try {
      const request = this.client.post(this.url, { body, timeout: { request: timeoutMs }, signal, responseType: 'text' });
      let tooBig = false;
      request.on('downloadProgress', (p: { transferred: number }) => {
        if (p.transferred > this.maxResponseBytes && !tooBig) {
          tooBig = true;
          request.cancel();
        }
      });
      try {
        const response = await request;
        status = response.statusCode;
        text = response.body;
      } catch (err) {
        if (tooBig) return { ok: false, failure: 'malformed', reached: true, detail: `response over ${this.maxResponseBytes} bytes` };
        throw err;
      }
    } catch (err) {
      return this.transportFailure(err, timeoutMs);
    }
    return this.interpret(status, text, id);
  }

  /** Close idle and active connections; later attempts open new ones. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private transportFailure(err: unknown, timeoutMs: number): AttemptResult {
    const e = err instanceof RequestError ? err : undefined;
    const code = e?.code ?? (err as { code?: string } | undefined)?.code;
    const timings = e?.timings ?? e?.request?.timings;
    const https = this.url.startsWith('https:');
    const connected = https ? timings?.secureConnect !== undefined : timings?.connect !== undefined;
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
