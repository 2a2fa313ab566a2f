// The baselines the gateway is measured against, each as small as node:http allows:
//   memory: parse the JSON-RPC body and answer from a Map (what a cache hit costs at the least)
//   proxy:  forward the body to the node over a keep-alive agent and relay the answer (a bare pass-through)
//   koa:    the memory server as one Koa middleware: what the framework alone costs per request
// Plain JavaScript, run by plain node: no TypeScript loader's cost lands on the baseline.
import { Agent, createServer, request } from 'node:http';
import Koa from 'koa';

const [mode, upstream] = process.argv.slice(2);
const answers = new Map();

function readBody(req) {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (text += d));
    req.on('end', () => resolve(text));
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
async function proxy(req, res) {
  const body = await readBody(req);
  const url = new URL(upstream);
  const up = request(
    { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
    (r) => {
      res.writeHead(r.statusCode ?? 502, { 'content-type': 'application/json' });
      r.pipe(res);
    },
  );
  up.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  up.end(body);
}

/** The answer for one JSON-RPC body, from the Map after the first time. */
async function answer(body) {
  const call = JSON.parse(body);
  const key = `${call.method}:${JSON.stringify(call.params)}`;
  let raw = answers.get(key);
  if (raw === undefined) {
    // first sight: ask the node once, as a cache would
    const r = await fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...call, id: 1 }) });
    raw = JSON.stringify((await r.json()).result);
    answers.set(key, raw);
  }
  return `{"jsonrpc":"2.0","id":${JSON.stringify(call.id)},"result":${raw}}`;
}

async function memory(req, res) {
  const out = await answer(await readBody(req));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
  res.end(out);
}

function koa() {
  const app = new Koa();
  app.use(async (ctx) => {
    ctx.type = 'application/json';
    ctx.body = await answer(await readBody(ctx.req));
  });
  return app.callback();
}

const server = createServer(mode === 'koa' ? koa() : (req, res) => void (mode === 'proxy' ? proxy(req, res) : memory(req, res)));
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/` })}\n`);
});
