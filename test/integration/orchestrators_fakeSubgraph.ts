// A loopback stand-in for the Livepeer subgraph (The Graph cannot run here): it checks the request is a
// GraphQL POST asking for active transcoders by id cursor, and answers in graph-node's response shape.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SubgraphMode = 'ok' | 'http_500' | 'graphql_error' | 'not_json' | 'bad_id' | 'hang' | 'unordered';

export interface SubgraphRequest {
  method: string;
  contentType: string | undefined;
  query: string;
  variables: { first?: unknown; after?: unknown };
}

export interface FakeSubgraph {
  url: string;
  /** Active transcoder ids, as the subgraph stores them (lower-case). */
  active: string[];
  mode: SubgraphMode;
  requests: SubgraphRequest[];
  close(): Promise<void>;
}

export async function startFakeSubgraph(active: string[] = []): Promise<FakeSubgraph> {
  const hanging = new Set<() => void>();
  const state: FakeSubgraph = { url: '', active, mode: 'ok', requests: [], close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    let parsed: { query?: unknown; variables?: SubgraphRequest['variables'] } = {};
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      // recorded below with an empty query, so the test sees what was sent
    }
    const request: SubgraphRequest = {
      method: req.method ?? '',
      contentType: req.headers['content-type'],
      query: typeof parsed.query === 'string' ? parsed.query : '',
      variables: parsed.variables ?? {},
    };
    state.requests.push(request);
    const send = (status: number, payload: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(payload);
    };
    if (req.method !== 'POST' || !/transcoders\s*\(/.test(request.query)) {
      return send(400, JSON.stringify({ errors: [{ message: 'expected a POST with a transcoders query' }] }));
    }
    const wantsActive = /where:\s*\{[^}]*active:\s*true/.test(request.query) && /id_gt:\s*\$after/.test(request.query);
    const ordered = /orderBy:\s*id/.test(request.query) && /orderDirection:\s*asc/.test(request.query);
    const first = request.variables.first;
    const after = request.variables.after;
    if (!wantsActive || !ordered || typeof first !== 'number' || typeof after !== 'string') {
      return send(200, JSON.stringify({ errors: [{ message: 'query is not an active-transcoder page by id' }] }));
    }
    switch (state.mode) {
      case 'http_500':
        return send(500, 'upstream exploded');
      case 'graphql_error':
        // graph gateways echo the request path in some errors: the source must not pass the API key on
        return send(200, JSON.stringify({ data: null, errors: [{ message: `indexing error at block 123 for ${req.url}`, locations: [] }] }));
      case 'not_json':
        return send(200, '<html>gateway timeout</html>');
      case 'hang':
        hanging.add(() => res.destroy());
        return;
      default:
    }
    let page = [...state.active]
      .sort()
      .filter((id) => id > after)
      .slice(0, Math.min(first, 1000))
      .map((id) => ({ id }));
    if (state.mode === 'bad_id') page = page.map((t, i) => (i === 0 ? { id: 'not-an-address' } : t));
    if (state.mode === 'unordered') page = page.reverse();
    send(200, JSON.stringify({ data: { transcoders: page } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/SECRETKEY0123456789abcdef/subgraphs/id/FE63YgkzcpVocxdCEyEYbvjYqEf2kb1A6daMYRxmejYC`;
  state.close = async () => {
    for (const drop of hanging) drop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return state;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk: Buffer) => {
      if (data.length < 1_000_000) data += chunk.toString();
    });
    req.on('end', () => resolve(data));
  });
}

/** Deterministic distinct addresses for tests: 0x0000...0001, 0x0000...0002, ... */
export function addresses(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `0x${(i + 1 + offset).toString(16).padStart(40, '0')}`);
}
