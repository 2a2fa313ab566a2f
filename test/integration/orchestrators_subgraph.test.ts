// The subgraph source against a loopback server answering graph-node's GraphQL response shape.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createOrchestratorSource } from '../../gateway/src/orchestrators/create.ts';
import { OrchestratorSourceError } from '../../gateway/src/orchestrators/source.ts';
import { ACTIVE_TRANSCODERS_QUERY, createSubgraphSource } from '../../gateway/src/orchestrators/subgraphSource.ts';
import { addresses, startFakeSubgraph, type FakeSubgraph, type SubgraphMode } from './orchestrators_fakeSubgraph.ts';

const SECRET = 'SECRETKEY0123456789abcdef';

async function withSubgraph(active: string[], fn: (s: FakeSubgraph) => Promise<void>): Promise<void> {
  const s = await startFakeSubgraph(active);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

async function failure(p: Promise<unknown>): Promise<OrchestratorSourceError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, OrchestratorSourceError);
    const e = err as OrchestratorSourceError;
    assert.not.ok(e.message.includes(SECRET), `leaks the API key: ${e.message}`);
    assert.not.ok(e.message.includes('127.0.0.1'), `names the URL: ${e.message}`);
    return e;
  }
  throw new Error('expected the source to fail');
}

test('asks with a GraphQL POST for active transcoders and returns their ids as lower-case addresses', async () => {
  await withSubgraph(addresses(3), async (s) => {
    const set = await createSubgraphSource({ url: s.url }).fetchActive();
    assert.equal(set, new Set(addresses(3)));
    assert.is(s.requests.length, 1);
    const [r] = s.requests;
    assert.is(r!.method, 'POST');
    assert.is(r!.contentType, 'application/json');
    assert.is(r!.query, ACTIVE_TRANSCODERS_QUERY);
    assert.equal(r!.variables, { first: 1000, after: '' });
  });
});

test('pages through the set by id cursor until a short page, with no gap or repeat', async () => {
  await withSubgraph(addresses(5), async (s) => {
    const set = await createSubgraphSource({ url: s.url, pageSize: 2 }).fetchActive();
    assert.equal(set, new Set(addresses(5)));
    const all = addresses(5);
    assert.equal(
      s.requests.map((r) => r.variables),
      [
        { first: 2, after: '' },
        { first: 2, after: all[1] },
        { first: 2, after: all[3] },
      ],
    );
  });
  await withSubgraph(addresses(4), async (s) => {
    assert.is((await createSubgraphSource({ url: s.url, pageSize: 2 }).fetchActive()).size, 4);
    assert.is(s.requests.length, 3, 'a full last page is followed by one empty page');
  });
});

test('an empty active set is returned as empty (the sync decides whether to trust it)', async () => {
  await withSubgraph([], async (s) => {
    assert.equal(await createSubgraphSource({ url: s.url }).fetchActive(), new Set());
  });
});

test('HTTP errors, GraphQL errors, non-JSON, bad ids and unordered pages fail without leaking the URL', async () => {
  const cases: Array<[SubgraphMode, RegExp]> = [
    ['http_500', /answered HTTP 500/],
    ['graphql_error', /GraphQL error: indexing error at block 123/],
    ['not_json', /not JSON/],
    ['bad_id', /not an address/],
    ['unordered', /not in id order/],
  ];
  await withSubgraph(addresses(3), async (s) => {
    for (const [mode, reason] of cases) {
      s.mode = mode;
      const err = await failure(createSubgraphSource({ url: s.url }).fetchActive());
      assert.match(err.message, reason, mode);
      assert.match(err.message, /^subgraph: /);
    }
  });
});

test('a subgraph that never answers is given up on at the request timeout, or when the caller aborts', async () => {
  await withSubgraph(addresses(3), async (s) => {
    s.mode = 'hang';
    const err = await failure(createSubgraphSource({ url: s.url, requestTimeoutMs: 200 }).fetchActive());
    assert.match(err.message, /request failed/);
    const abort = new AbortController();
    const pending = createSubgraphSource({ url: s.url }).fetchActive(abort.signal);
    setTimeout(() => abort.abort(new Error('shutting down')), 50);
    assert.match((await failure(pending)).message, /request failed/);
  });
});

test('more pages than the bound is refused as possibly incomplete', async () => {
  await withSubgraph(addresses(7), async (s) => {
    const err = await failure(createSubgraphSource({ url: s.url, pageSize: 2, maxPages: 3 }).fetchActive());
    assert.match(err.message, /more than 3 pages/);
  });
});

test('an unreachable subgraph fails with the system error code', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  const err = await failure(createSubgraphSource({ url: `http://127.0.0.1:${port}/api/${SECRET}/x` }).fetchActive());
  assert.match(err.message, /ECONNREFUSED/);
});

test('the factory builds subgraph and static sources from their configuration', async () => {
  await withSubgraph(addresses(2), async (s) => {
    const source = createOrchestratorSource({ kind: 'subgraph', url: s.url, pageSize: 1 });
    assert.is(source.name, 'subgraph');
    assert.equal(await source.fetchActive(), new Set(addresses(2)));
    assert.is(s.requests.length, 3);
  });
  const fixed = createOrchestratorSource({ kind: 'static', addresses: addresses(2) });
  assert.is(fixed.name, 'static');
  const first = await fixed.fetchActive();
  first.clear();
  assert.equal(await fixed.fetchActive(), new Set(addresses(2)), 'each call gets its own copy');
});

test.run();
