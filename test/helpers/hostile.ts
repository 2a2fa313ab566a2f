// A seeded generator of hostile JSON-RPC bodies: the same seed gives the same 10,000 cases on every machine,
// so a failure found in CI is replayed by its case number. Each case is a body (raw bytes: it may not be UTF-8
// or JSON at all), a content type, and what a correct answer must be, where the generator knows it.

/** mulberry32: small, fast, and good enough to spread cases over the families. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface HostileCase {
  n: number;
  family: string;
  /** undefined sends no Content-Type header. */
  contentType?: string;
  body: Buffer;
  /** The exact result a correct answer carries (only for calls the generator knows the answer of). */
  result?: unknown;
  /** The id's text as written in the body, which the answer must carry byte for byte. */
  idText?: string;
}

const ZERO = `0x${'00'.repeat(20)}`;
/** Calls with a known answer on an Arbitrum One Anvil (chain id 42161, nothing at the zero address). */
const KNOWN: Array<[string, unknown[], unknown]> = [
  ['eth_chainId', [], '0xa4b1'],
  ['net_version', [], '42161'],
  ['eth_getBalance', [ZERO, 'latest'], '0x0'],
  ['eth_getCode', [ZERO, 'latest'], '0x'],
  ['eth_getTransactionCount', [ZERO, 'latest'], '0x0'],
];
const DENIED = [
  'Debug_traceTransaction', 'ADMIN_nodeInfo', 'Personal_listAccounts', 'eth_SendTransaction', 'Anvil_setBalance',
  'EVM_mine', 'eth_SIGN', 'HARDHAT_mine', 'Miner_Start', 'txpool_Content', 'engine_GetPayloadV1', 'eth_Subscribe',
  'eth_newFilter', 'ETH_ACCOUNTS', 'anvil_impersonateAccount', 'evm_SetNextBlockTimestamp',
];
const BUILTINS = ['valueOf', 'hasOwnProperty', 'toString', 'constructor', '__proto__', 'isPrototypeOf', '__defineGetter__', 'toLocaleString', 'propertyIsEnumerable', 'prototype'];
const ODD_METHODS = [
  'eth_chainId/../admin_nodeInfo', '../debug_traceTransaction', 'eth_chäinId', 'eth_chainId\u0000', ' eth_chainId', 'eth_chainId\n',
  '%65th_chainId', 'eth.chainId', 'eth-chainId', '\u{1d522}th_chainId', 'eth_chainId;rm -rf /', 'ΕΤΗ_chainId', 'eth\u200d_chainId',
  '\u202eeth_chainId', 'ETH_CHAINID', 'Eth_sendRawTransaction', 'eth_getbalance', 'eth_chainId?x=1', 'http://127.0.0.1/', 'eth_chainId\\', '', ' ', 'e'.repeat(129), '_', '1eth', 'eth_chainId\uFEFF',
];
const ODD_IDS = [
  'null', '0', '-0', '1.5', '1e21', '1E+2', '123456789012345678901234567890', '-9007199254740993', '9007199254740993',
  '0.1e-400', '""', '"\\u0000"', '"\\ud83d\\ude00"', '"\\"},{\\"id\\":2"', '"\u00e9"', JSON.stringify('x'.repeat(256)), '-1', '1e308',
];
const BAD_IDS = ['true', 'false', '{}', '[]', '[1]', '{"a":1}', '1e400', '-1e400', JSON.stringify('x'.repeat(257))];
const CONTENT_TYPES = [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/xml', '\u00ff/\u00fe', 'application/json'];
const BAD_PARAMS: Array<[string, string]> = [
  ['eth_getBalance', '["0xzz","latest"]'],
  ['eth_getBalance', `["${ZERO}","latest "]`],
  ['eth_getBalance', `["${ZERO}","latest","extra"]`],
  ['eth_getBalance', '[]'],
  ['eth_getBalance', `["${ZERO}",{"blockHash":"0x12"}]`],
  ['eth_call', '[{"to":123},"latest"]'],
  ['eth_call', `[{"to":"${ZERO}","data":"0xg0"},"latest"]`],
  ['eth_call', '["not an object","latest"]'],
  ['eth_getLogs', '[{"fromBlock":"0x","toBlock":"latest"}]'],
  ['eth_getLogs', '[{"address":[1,2,3]}]'],
  ['eth_getLogs', '[{"topics":[[["0x01"]]]}]'],
  ['eth_getBlockByNumber', '["0x1"]'],
  ['eth_getBlockByNumber', '["0x1","yes"]'],
  ['eth_getBlockByNumber', '[-1,false]'],
  ['eth_getBlockByHash', '["0x1234",false]'],
  ['eth_sendRawTransaction', '["0xzz"]'],
  ['eth_sendRawTransaction', '[]'],
  ['eth_getTransactionReceipt', '[12]'],
  ['eth_chainId', '[1,2,3]'],
  ['eth_blockNumber', '{"a":1}'],
  ['eth_feeHistory', '["0x5","latest",[1000]]'],
  ['eth_getStorageAt', `["${ZERO}","0x0","0x0","x"]`],
];

export function hostileCases(seed: number, count: number, limits: { maxBodyBytes: number; maxBatch: number }): HostileCase[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const call = (method: string, params = '[]', id = String(int(1, 1e6))) => `{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method)},"params":${params}}`;
  const known = () => pick(KNOWN);
  const knownCall = (id?: string) => {
    const [m, p] = known();
    return call(m, JSON.stringify(p), id);
  };
  const nest = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);
  const text = (s: string): Pick<HostileCase, 'body'> => ({ body: Buffer.from(s, 'utf8') });
  const anyCall = (): string => {
    switch (int(0, 5)) {
      case 0: return knownCall();
      case 1: return call(pick(DENIED));
      case 2: return call(pick(BUILTINS));
      case 3: return call(pick(ODD_METHODS));
      case 4: { const [m, p] = pick(BAD_PARAMS); return call(m, p); }
      default: return pick(['1', '"a"', 'null', '[]', '{}', `{"jsonrpc":"2.0","method":"eth_chainId"}`, `{"method":"eth_chainId","id":1}`]);
    }
  };

  const families: Array<[string, number, () => Omit<HostileCase, 'n' | 'family'>]> = [
    ['valid', 10, () => {
      const [m, p, result] = known();
      const idText = pick(ODD_IDS);
      return { ...text(call(m, JSON.stringify(p), idText)), result, idText, contentType: 'application/json' };
    }],
    ['bad JSON', 10, () => {
      const good = knownCall();
      const variants = [
        () => good.slice(0, int(1, good.length - 1)),
        () => `${good},`,
        () => `${good}${good}`,
        () => good.replaceAll('"', "'"),
        () => good.replace(/"id":\d+/, '"id":NaN'),
        () => good.replace(/"id":\d+/, '"id":Infinity'),
        () => `/* c */${good}`,
        () => `${good.slice(0, -1)},}`,
        () => Array.from({ length: int(1, 200) }, () => String.fromCharCode(int(32, 126))).join(''),
        () => `[${good},]`,
        () => good.replace('"method"', 'method'),
        () => `{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[${'1,'.repeat(int(1, 50))}]`,
        () => '\u0000'.repeat(int(1, 64)),
      ];
      return text(pick(variants)());
    }],
    ['invalid UTF-8', 5, () => {
      const bad = pick([[0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80]]);
      const good = Buffer.from(call(pick(['eth_chainId', 'eth_call', 'web3_clientVersion']), '["x"]'));
      const at = pick([good.indexOf('eth_') + 2, good.indexOf('"x"') + 1, good.length - 2, good.length]);
      return { body: Buffer.concat([good.subarray(0, at), Buffer.from(bad), good.subarray(at)]) };
    }],
    ['wrong types', 12, () => {
      const field = pick(['jsonrpc', 'method', 'params', 'id']);
      const values: Record<string, string[]> = {
        jsonrpc: ['2', '"2"', '"1.0"', 'null', 'true', '[]', '{}', '"2.0 "', '"２.０"'],
        method: ['1', 'null', '[]', '{}', 'true', '["eth_chainId"]', '{"toString":"eth_chainId"}'],
        params: ['"x"', '1', 'true', 'null', '"[]"', '-0'],
        id: BAD_IDS,
      };
      const parts: Record<string, string> = { jsonrpc: '"2.0"', id: '7', method: '"eth_chainId"', params: '[]' };
      parts[field] = pick(values[field]!);
      return text(`{${Object.entries(parts).map(([k, v]) => `"${k}":${v}`).join(',')}}`);
    }],
    ['huge values', 8, () => {
      const variants = [
        () => call('eth_getBalance', `["${ZERO}",${'9'.repeat(int(20, 5000))}]`),
        () => call('eth_getBalance', '[1e400,"latest"]'),
        () => call('eth_blockNumber', '[], "extra":1e999999'),
        () => call('eth_call', `[{"to":"${ZERO}","data":"0x${'ab'.repeat(int(1000, 200_000))}"},"latest"]`),
        () => call('eth_call', `["${'x'.repeat(limits.maxBodyBytes + int(1, 1000))}"]`),
        () => call('eth_getLogs', `[{"address":[${Array.from({ length: int(1000, 5000) }, () => `"${ZERO}"`).join(',')}]}]`),
        () => call('web3_clientVersion', `[${'0,'.repeat(int(100_001, 150_000))}0]`),
        () => call('eth_chainId', `[${'0,'.repeat(int(10, 2000))}0]`),
        () => call('eth_getBalance', `["${ZERO}","0x${'f'.repeat(int(14, 200))}"]`),
        () => `{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[],"pad":"${' '.repeat(int(1, 500_000))}"}`,
      ];
      return text(pick(variants)());
    }],
    ['deep nesting', 5, () => {
      const depth = pick([10_000, 10_000, 33, 32, 31, 1000, 100_000]);
      const variants = [
        () => call('eth_call', `[${nest(depth)}]`),
        () => call('web3_clientVersion', `[${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}]`),
        () => call('eth_chainId', '[]', nest(depth)),
        () => nest(depth, knownCall()),
        () => `{"jsonrpc":"2.0","id":1,"method":${nest(depth, '"eth_chainId"')}}`,
        () => `[${knownCall()},${call('web3_clientVersion', `[${nest(depth)}]`)}]`,
      ];
      return text(pick(variants)());
    }],
    ['batches', 8, () => {
      const variants = [
        () => `[${Array.from({ length: limits.maxBatch + int(1, 400) }, () => knownCall()).join(',')}]`,
        () => '[]',
        () => `[${Array.from({ length: int(1, limits.maxBatch) }, anyCall).join(',')}]`,
        () => `[${Array.from({ length: int(1, 10) }, () => '{"jsonrpc":"2.0","method":"eth_chainId","params":[]}').join(',')}]`,
        () => `[[${knownCall()}]]`,
        () => `[1,"a",null,true,[],{}]`,
        () => `[${call(pick(BUILTINS))},${knownCall()}]`,
      ];
      return text(pick(variants)());
    }],
    ['prototype keys', 8, () => {
      const variants = [
        () => call(pick(BUILTINS)),
        () => `{"jsonrpc":"2.0","id":1,"method":"eth_chainId","__proto__":{"method":"debug_traceTransaction"}}`,
        () => `{"__proto__":{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}}`,
        () => `{"jsonrpc":"2.0","id":1,"constructor":{"prototype":{"method":"admin_nodeInfo"}},"method":"eth_chainId"}`,
        () => call('eth_call', `[{"__proto__":{"to":"${ZERO}"},"constructor":1},"latest"]`),
        () => call('eth_getLogs', '[{"__proto__":{"fromBlock":"0x0"},"toString":"x"}]'),
        () => call('web3_clientVersion', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
        () => `[{"__proto__":[]},${call(pick(BUILTINS))}]`,
        () => call('eth_chainId', '[]', pick(['"__proto__"', '"constructor"', '"toString"'])),
      ];
      return text(pick(variants)());
    }],
    ['ids', 8, () => {
      const idText = pick([...ODD_IDS, ...BAD_IDS]);
      const [m, p, result] = known();
      const good = ODD_IDS.includes(idText);
      // A repeated member: JSON.parse keeps the last, and so must the echo.
      const body = r() < 0.2 ? `${call(m, JSON.stringify(p), '1').slice(0, -1)},"id":${idText}}` : call(m, JSON.stringify(p), idText);
      return { ...text(body), idText: good ? idText : undefined, result: good ? result : undefined };
    }],
    ['notifications', 4, () => text(pick([
      '{"jsonrpc":"2.0","method":"eth_chainId","params":[]}',
      `{"jsonrpc":"2.0","method":"${pick(DENIED)}","params":[]}`,
      `{"jsonrpc":"2.0","method":"eth_getBalance","params":["0xzz"]}`,
      '{"jsonrpc":"2.0","method":"eth_chainId","params":[],"ID":1}',
      `{"jsonrpc":"2.0","method":${JSON.stringify(pick(ODD_METHODS))}}`,
    ]))],
    ['method names', 8, () => text(call(pick([...ODD_METHODS, ...DENIED]), pick(['[]', '["0x1"]', '{}'])))],
    ['bad params', 7, () => {
      const [m, p] = pick(BAD_PARAMS);
      return text(call(m, p));
    }],
    ['empty and scalars', 3, () => text(pick(['', ' ', '\n', '\t\r\n', 'null', '{}', '1', '"x"', 'true', '\uFEFF', '[null]', '[[]]']))],
    ['content types', 4, () => {
      const [m, p, result] = known();
      const body = pick([call(m, JSON.stringify(p)), 'jsonrpc=2.0&method=eth_chainId', '<x/>', '--x\r\n\r\n{}\r\n--x--']);
      return { ...text(body), contentType: pick(CONTENT_TYPES), result: body.startsWith('{') ? result : undefined };
    }],
  ];
  const total = families.reduce((s, [, w]) => s + w, 0);
  return Array.from({ length: count }, (_, n) => {
    let roll = r() * total;
    const [family, , make] = families.find(([, w]) => (roll -= w) < 0) ?? families[0]!;
    return { contentType: 'application/json', ...make(), n, family };
  });
}
