// The active set from the Livepeer subgraph (livepeer/subgraph schema.graphql: Transcoder { id: address, active }),
// paged by id so no transcoder is skipped or counted twice however large the set grows.
import { OrchestratorSourceError, reasonOf, scrubUrl, sourceAddress, type OrchestratorSource } from './source.ts';

export const ACTIVE_TRANSCODERS_QUERY = `query ActiveTranscoders($first: Int!, $after: ID!) {
  transcoders(first: $first, where: { active: true, id_gt: $after }, orderBy: id, orderDirection: asc) {
    id
  }
}`;

export interface SubgraphSourceOptions {
  url: string;
  /** The Graph caps `first` at 1000. */
  pageSize?: number;
  /** Bound on one page request when the caller gives no signal of its own. */
  requestTimeoutMs?: number;
  maxPages?: number;
  maxResponseBytes?: number;
  fetch?: typeof fetch;
}

export function createSubgraphSource(options: SubgraphSourceOptions): OrchestratorSource {
  const pageSize = options.pageSize ?? 1000;
  const maxPages = options.maxPages ?? 100;
  const doFetch = options.fetch ?? fetch;
  const fail = (message: string, cause?: unknown) => new OrchestratorSourceError('subgraph', scrubUrl(message, options.url), cause);

  async function page(after: string, signal: AbortSignal | undefined): Promise<string[]> {
    const timeout = AbortSignal.timeout(options.requestTimeoutMs ?? 30_000);
    let res: Response;
    try {
      res = await doFetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: ACTIVE_TRANSCODERS_QUERY, variables: { first: pageSize, after } }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        redirect: 'error',
      });
    } catch (err) {
      throw fail(`request failed: ${reasonOf(err)}`, err);
    }
    const text = await readCapped(res, options.maxResponseBytes ?? 8 * 1024 * 1024).catch((err: unknown) => {
      throw fail(`reading the answer failed: ${reasonOf(err)}`, err);
    });
    if (!res.ok) throw fail(`answered HTTP ${res.status}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw fail('answered with something that is not JSON');
    }
    return transcoderIds(body);
  }

  function transcoderIds(body: unknown): string[] {
    const b = body as { data?: { transcoders?: unknown }; errors?: Array<{ message?: unknown }> } | null;
    if (b && Array.isArray(b.errors) && b.errors.length > 0) {
      const first = b.errors[0]?.message;
      throw fail(`GraphQL error: ${typeof first === 'string' ? first.slice(0, 200) : 'unknown'}`);
    }
    const list = b?.data?.transcoders;
    if (!Array.isArray(list)) throw fail('answer has no data.transcoders list');
    return list.map((t: unknown, i) => {
      const id = sourceAddress((t as { id?: unknown } | null)?.id);
      if (!id) throw fail(`transcoder ${i + 1} of the page has an id that is not an address`);
      return id;
    });
  }

  return {
    name: 'subgraph',
    async fetchActive(signal?: AbortSignal): Promise<Set<string>> {
      const set = new Set<string>();
      let after = '';
      for (let n = 0; n < maxPages; n++) {
        const ids = await page(after, signal);
        for (const id of ids) {
          if (id <= after) throw fail('pages are not in id order; refusing a set that may be incomplete');
          set.add(id);
          after = id;
        }
        if (ids.length < pageSize) return set;
      }
      throw fail(`more than ${maxPages} pages of ${pageSize}; refusing a set that may be incomplete`);
    },
  };
}

/** The body as text, refusing more than `limit` bytes so a broken endpoint cannot exhaust memory. */
async function readCapped(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`answer larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
