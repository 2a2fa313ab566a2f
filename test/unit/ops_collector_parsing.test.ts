// The collector's node-log pipeline (collector/otelcol.yaml), run with its own regexes and routes
// against real nitro and geth log lines wrapped the way docker's json-file driver writes them.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { applyOttl, re2ToJs, routeRegex, runPipeline, type LogEntry, type Operator } from './ops_stanza.ts';

const config = parse(readFileSync(new URL('../../collector/otelcol.yaml', import.meta.url), 'utf8')) as {
  receivers: Record<string, { operators?: Operator[]; include?: string[] }>;
  processors: Record<string, { log_statements?: Array<{ context: string; statements: string[] }> }>;
  service: { pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
};
const operators = config.receivers['filelog/nodes']?.operators ?? [];
const ottl = config.processors['transform/block_number']?.log_statements?.flatMap((s) => s.statements) ?? [];

const NITRO = { 'io.rpc-gateway.node-client': 'nitro', 'io.rpc-gateway.network': 'l2', 'com.docker.compose.service': 'nitro' };
const GETH = { 'io.rpc-gateway.node-client': 'geth', 'io.rpc-gateway.network': 'l1', 'com.docker.compose.service': 'geth' };

/** One line as docker's json-file driver stores it, with the labels compose lists in logging.options.labels. */
function dockerLine(line: string, attrs?: Record<string, string>): string {
  return JSON.stringify({ log: `${line}\n`, stream: 'stderr', ...(attrs ? { attrs } : {}), time: '2024-11-25T19:18:51.123456789Z' });
}

function parsed(line: string, attrs: Record<string, string>): LogEntry {
  const outcome = runPipeline(operators, dockerLine(line, attrs));
  if (!outcome.kept) throw new Error(`dropped: ${line}`);
  applyOttl(ottl, outcome.entry);
  return outcome.entry;
}

// Real lines, from the issues and pull requests named beside them.
const samples = {
  // OffchainLabs/nitro#537 (nitro terminal format)
  nitroCreatedBlock:
    'INFO [04-20|22:59:40.344] created block                            l2Block=18860 l2BlockHash=cfb013..926d05 l1Block=6,752,219 l1Timestamp=2022-04-20T22:59:40-0500',
  nitroInbox:
    'INFO [04-20|23:00:16.319] InboxTracker                             sequencerBatchCount=6044 messageCount=18858 l1Block=6,752,218 l1Timestamp=2022-04-20T22:58:51-0500',
  // OffchainLabs/arbitrum-classic#2599 (nitro-node v2.0.12)
  nitroError:
    'ERROR[04-04|05:01:04.755] error initializing database              err="no --init.* mode supplied and chain data not in expected directory"',
  // OffchainLabs/nitro#3529 (nitro v3.7.0-rc.8)
  nitroCrit:
    'CRIT [08-22|17:16:35.761] couldn\'t read L1 chainid                 err="Post \\"http://localhost:8545\\": dial tcp localhost:8545: i/o timeout"',
  nitroNoFields: 'INFO [08-22|17:16:05.759] retaining ability to lookup full transaction history as archive mode is enabled ',
  nitroRpcResponse:
    'INFO [08-22|17:16:35.760] rpc response                             method=eth_chainId logId=1 err="Post \\"http://15.235.182.149:8545\\": dial tcp localhost:8545: i/o timeout" result="\\"0x0\\"" attempt=0 args=[]',
  // OffchainLabs/nitro#1146
  nitroWarn: 'WARN [09-19|12:42:05.169] Unclean shutdown detected                booted=2022-09-19T12:36:29+0000 age=5m36s',
  // etclabscore/core-geth#626 (geth terminal format)
  gethImported:
    'INFO [04-06|15:14:18.897] Imported new chain segment               number=19,647,305 hash=f6189d..98d4c8 blocks=1   txs=9    mgas=0.189  elapsed=35.175ms   mgasps=5.373   dirty=68.41MiB',
  // ethereum/go-ethereum#15437 (older geth: no milliseconds, number after other fields)
  gethOldImported:
    'INFO [11-07|04:02:00] Imported new chain segment               blocks=4  txs=42  mgas=1.838 elapsed=2m22.439s mgasps=0.013 number=2429456 hash=ec64dc…ab857a',
  // ethereum/go-ethereum#25768 (trailing space after the last field)
  gethPotential:
    'INFO [09-15|15:43:12.807] Imported new potential chain segment     number=15,539,464 hash=cbe511..2a7490 blocks=1  txs=145  mgas=7.354  elapsed=25.708ms ',
  // ethereum/go-ethereum#25093 (no block field: "tail" is not a block of the chain head)
  gethUnindexed: 'INFO [06-14|20:23:39.570] Unindexed transactions                   blocks=1     txs=172       tail=12,613,643 elapsed=1.968ms',
  // 48Club/bsc-snapshots#9 (geth-based, --log.format logfmt with an RFC 3339 time)
  gethLogfmt:
    't=2022-06-25T17:41:59+0000 lvl=info msg="Imported new chain segment"             blocks=53  txs=6759 mgas=845.999 elapsed=8.053s    mgasps=105.048 number=18,945,162 hash=0x39c373640dfb650b3d6a25ad51177e6dc738ad9554e57b8773cf1c33a3f17ec5 age=2d24m30s dirty="296.29 MiB"',
  // bnb-chain/bsc#3548 (geth-based, logfmt with the terminal time format)
  gethLogfmtShortTime:
    't=02-08|10:45:36.579 lvl=info msg="Imported new chain segment" number=80004304 hash=0x5ff815c02546750f3ecbcdc8335653509d48ded5a80446bacfd9a07ae1837835 blocks=7 txs=507',
  // geth --log.format=json (a go-ethereum user's output quoted in a public repository)
  gethJson: '{"t":"2025-07-16T21:53:08.012133+08:00","lvl":"info","msg":"Maximum peer count","ETH":0,"total":0}',
  gethJsonWarn: '{"t":"2025-07-16T21:53:08.014898+08:00","lvl":"warn","msg":"Disabled transaction unindexing for archive node"}',
};

test('the YAML has the operators the pipeline is built from and only RE2-compatible regexes', () => {
  const ids = operators.map((o) => o.id);
  for (const id of ['docker_envelope', 'keep_node_containers', 'route_format', 'parse_terminal', 'parse_logfmt', 'parse_json', 'extract_block', 'extract_error', 'severity']) {
    assert.ok(ids.includes(id), `operator ${id}`);
  }
  assert.is(new Set(ids).size, ids.length, 'operator ids are unique');
  for (const op of operators.filter((o) => o.type === 'regex_parser')) re2ToJs(String(op.regex)); // throws on lookarounds/backreferences
  assert.equal(config.receivers['filelog/nodes']?.include, ['/var/lib/docker/containers/*/*-json.log']);
});

test('lines from containers that are not labelled as nodes are dropped', () => {
  assert.equal(runPipeline(operators, dockerLine('{"level":30,"msg":"gateway listening"}')), { kept: false });
  assert.equal(runPipeline(operators, dockerLine(samples.gethImported, { 'com.docker.compose.service': 'grafana' })), { kept: false });
});

test('the node client and network labels become the resource (service.name, network)', () => {
  const e = parsed(samples.nitroCreatedBlock, NITRO);
  assert.equal(e.resource, { 'service.name': 'nitro', network: 'l2', 'service.instance.id': 'nitro' });
  assert.is(e.attributes['log.iostream'], 'stderr');
  assert.is(e.timestamp?.toISOString(), '2024-11-25T19:18:51.123Z');
  assert.is(e.body, `${samples.nitroCreatedBlock}\n`, 'the raw node line stays the body');
  assert.not.ok('attrs' in e.attributes);
  assert.not.ok('kv' in e.attributes);
  assert.not.ok('time' in e.attributes);
});

test('routes pick the format from the line shape', () => {
  const routes = (operators.find((o) => o.id === 'route_format')?.routes ?? []) as Array<{ output: string; expr: string }>;
  const json = routeRegex(routes.find((r) => r.output === 'parse_json')?.expr ?? '');
  const logfmt = routeRegex(routes.find((r) => r.output === 'parse_logfmt')?.expr ?? '');
  assert.ok(json.test(samples.gethJson));
  assert.ok(logfmt.test(samples.gethLogfmt));
  assert.ok(logfmt.test(samples.gethLogfmtShortTime));
  for (const terminal of [samples.gethImported, samples.nitroError, samples.nitroCrit]) {
    assert.not.ok(json.test(terminal));
    assert.not.ok(logfmt.test(terminal));
  }
});

test('nitro terminal lines: level, message, the L2 block and the client as component', () => {
  const e = parsed(samples.nitroCreatedBlock, NITRO);
  assert.is(e.severityText, 'INFO');
  assert.is(e.attributes.message, 'created block');
  assert.is(e.attributes.block_field, 'l2Block');
  assert.is(e.attributes.block_number, '18860');
  assert.is(e.attributes.component, 'nitro');
  assert.not.ok('error' in e.attributes);

  const inbox = parsed(samples.nitroInbox, NITRO);
  assert.is(inbox.attributes.message, 'InboxTracker');
  assert.is(inbox.attributes.block_number, '6752218', 'thousands separators are removed');
});

test('nitro errors: ERROR and CRIT map to error and fatal with the err field unquoted', () => {
  const e = parsed(samples.nitroError, NITRO);
  assert.is(e.severity, 'error');
  assert.is(e.severityText, 'ERROR');
  assert.is(e.attributes.message, 'error initializing database');
  assert.is(e.attributes.error, 'no --init.* mode supplied and chain data not in expected directory');

  const crit = parsed(samples.nitroCrit, NITRO);
  assert.is(crit.severity, 'fatal');
  assert.is(crit.attributes.message, "couldn't read L1 chainid");
  assert.is(crit.attributes.error, 'Post \\"http://localhost:8545\\": dial tcp localhost:8545: i/o timeout');

  const rpc = parsed(samples.nitroRpcResponse, NITRO);
  assert.is(rpc.attributes.message, 'rpc response');
  assert.is(rpc.attributes.error, 'Post \\"http://15.235.182.149:8545\\": dial tcp localhost:8545: i/o timeout');

  const warn = parsed(samples.nitroWarn, NITRO);
  assert.is(warn.severityText, 'WARN');
  assert.is(warn.attributes.message, 'Unclean shutdown detected');
});

test('a terminal line without fields keeps its whole text as the message', () => {
  const e = parsed(samples.nitroNoFields, NITRO);
  assert.is(e.attributes.message, 'retaining ability to lookup full transaction history as archive mode is enabled');
  assert.not.ok('block_number' in e.attributes);
});

test('geth terminal lines: the head number wherever it sits among the fields, with or without milliseconds', () => {
  const e = parsed(samples.gethImported, GETH);
  assert.equal(e.resource, { 'service.name': 'geth', network: 'l1', 'service.instance.id': 'geth' });
  assert.is(e.attributes.message, 'Imported new chain segment');
  assert.is(e.attributes.block_number, '19647305');
  assert.is(e.attributes.component, 'geth');

  const old = parsed(samples.gethOldImported, GETH);
  assert.is(old.attributes.message, 'Imported new chain segment');
  assert.is(old.attributes.block_number, '2429456', '"blocks=4" before it is a count, not a block');

  const potential = parsed(samples.gethPotential, GETH);
  assert.is(potential.attributes.message, 'Imported new potential chain segment');
  assert.is(potential.attributes.block_number, '15539464');

  const unindexed = parsed(samples.gethUnindexed, GETH);
  assert.is(unindexed.attributes.message, 'Unindexed transactions');
  assert.not.ok('block_number' in unindexed.attributes);
});

test('geth logfmt lines: quoted message unquoted, block number, either time format', () => {
  const e = parsed(samples.gethLogfmt, GETH);
  assert.is(e.severityText, 'INFO');
  assert.is(e.attributes.message, 'Imported new chain segment');
  assert.is(e.attributes.block_number, '18945162');
  const short = parsed(samples.gethLogfmtShortTime, GETH);
  assert.is(short.attributes.message, 'Imported new chain segment');
  assert.is(short.attributes.block_number, '80004304');
});

test('geth JSON lines: lvl and msg become level and message; the JSON fields do not linger', () => {
  const e = parsed(samples.gethJson, GETH);
  assert.is(e.severityText, 'INFO');
  assert.is(e.attributes.message, 'Maximum peer count');
  assert.not.ok('json' in e.attributes);
  const warn = parsed(samples.gethJsonWarn, GETH);
  assert.is(warn.severity, 'warn');
  assert.is(warn.attributes.message, 'Disabled transaction unindexing for archive node');
});

test('geth JSON lines carry block numbers and errors as fields: both are picked up', () => {
  // Shape of go-ethereum's JSON handler (log/handler.go: keys t, lvl, msg, then the record's attributes).
  const line = '{"t":"2024-11-25T19:18:51.123+00:00","lvl":"error","msg":"Beacon backfilling failed","number":21000000,"err":"retrieved hash chain is invalid"}';
  const e = parsed(line, GETH);
  assert.is(e.severity, 'error');
  assert.is(e.attributes.block_number, 21000000);
  assert.is(e.attributes.error, 'retrieved hash chain is invalid');
});

test('a line in no known format is kept whole, without a severity', () => {
  const e = parsed('panic: runtime error: index out of range [3] with length 3', GETH);
  assert.is(e.body, 'panic: runtime error: index out of range [3] with length 3\n');
  assert.is(e.severityText, undefined);
  assert.is(e.attributes.component, 'geth');
});

test('node logs go to Loki and traces to Tempo', () => {
  const p = config.service.pipelines;
  assert.equal(p['logs/nodes']?.receivers, ['filelog/nodes']);
  assert.ok(p['logs/nodes']?.processors.includes('transform/block_number'));
  assert.equal(p['logs/nodes']?.exporters, ['otlphttp/loki']);
  assert.equal(p.traces?.receivers, ['otlp']);
  assert.equal(p.traces?.exporters, ['otlp/tempo']);
});

test.run();
