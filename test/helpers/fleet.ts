// A fleet of go-livepeer orchestrators as their RPC endpoint sees them, replayed from what go-livepeer sends
// (eth/blockwatch, eth/gaspricemonitor.go, eth/rewardservice.go, eth/client.go Reward(), eth/transactionManager.go):
//   every poll interval (-blockPollingInterval, 5 s): eth_getBlockByNumber latest, eth_getLogs over the blocks
//     since the last poll filtered by 13 event topics and no address, eth_gasPrice;
//   at a round start, all orchestrators within one poll interval: the reward path's sequential contract reads
//     (15 + 6 per member of the transcoder pool: the pool walk), then the reward transaction: latest block,
//     eth_maxPriorityFeePerGas, eth_getCode pending, eth_estimateGas, eth_getTransactionCount pending,
//     eth_sendRawTransaction, and eth_getTransactionReceipt every second until it is mined.
// No batching: go-livepeer sends single calls. Each orchestrator signs a real transaction with its own account.
import { Agent, request } from 'node:http';
import { encodeFunctionData, keccak256, parseAbi, toHex, type Hex } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';

const BONDING_MANAGER = '0x35Bcf3c30594191d53231E4FF333E8A770453e40';
const ROUNDS_MANAGER = '0xdd6f56DcC28D3F5f27084381fE8Df634985cc39f';
const ABI = parseAbi([
  'function getTranscoder(address) view returns (uint256)',
  'function transcoderStatus(address) view returns (uint8)',
  'function transcoderTotalStake(address) view returns (uint256)',
  'function isActiveTranscoder(address) view returns (bool)',
  'function getServiceURI(address) view returns (string)',
  'function getTranscoderEarningsPoolForRound(address,uint256) view returns (uint256)',
  'function currentMintableTokens() view returns (uint256)',
  'function getTotalBonded() view returns (uint256)',
  'function getFirstTranscoderInPool() view returns (address)',
  'function getNextTranscoderInPool(address) view returns (address)',
  'function getTranscoderPoolMaxSize() view returns (uint256)',
  'function currentRound() view returns (uint256)',
  'function currentRoundStartBlock() view returns (uint256)',
  'function getTranscoderPoolSize() view returns (uint256)',
]);
/** The 13 event signatures go-livepeer's block watcher filters logs by (eth/watchers/topics.go). */
export const WATCHED_TOPICS = [
  'Unbond(address,address,uint256,uint256,uint256)', 'Rebond(address,address,uint256,uint256)',
  'WithdrawStake(address,uint256,uint256,uint256)', 'NewRound(uint256,bytes32)', 'DepositFunded(address,uint256)',
  'ReserveFunded(address,uint256)', 'Withdrawal(address,uint256,uint256)', 'WinningTicketTransfer(address,address,uint256)',
  'Unlock(address,uint256,uint256)', 'UnlockCancelled(address)', 'TranscoderActivated(address,uint256)',
  'TranscoderDeactivated(address,uint256)', 'ServiceURIUpdate(address,string)',
].map((sig) => keccak256(toHex(sig)));

/** Deterministic test accounts, one per orchestrator (never real keys). */
export function fleetAccounts(count: number): PrivateKeyAccount[] {
  return Array.from({ length: count }, (_, i) => privateKeyToAccount(keccak256(toHex(`community-rpc-gateway fleet ${i}`))));
}

export interface FleetOptions {
  /** The gateway URL the orchestrators were given (…/api/<key>/l2): one for all, or one each. */
  url: string | string[];
  accounts: PrivateKeyAccount[];
  chainId: number;
  /** Members of the transcoder pool each orchestrator walks at a round start. */
  poolSize: number;
  /** go-livepeer's -blockPollingInterval (5000 by default). */
  pollMs: number;
  /** When the round starts, from the fleet's start; each orchestrator notices within one poll interval. */
  roundStartMs: number;
  /** The fleet stops polling this long after the last reward transaction is mined. */
  tailMs: number;
  /** Receipt polling interval (1000 in go-livepeer). */
  receiptPollMs?: number;
  /** Give up on a reward transaction after this long. */
  txTimeoutMs?: number;
  /** Called once, when the first orchestrator starts its reward: a fault can be timed to the burst. */
  onRoundStart?: () => void;
}

export interface CallRecord {
  method: string;
  ms: number;
  /** The JSON-RPC error or transport failure, if any. */
  error?: string;
  phase: 'poll' | 'round';
}

export interface FleetResult {
  calls: CallRecord[];
  mined: number;
  wallMs: number;
}

// The orchestrators' HTTP client: node:http over keep-alive connections, far lighter than fetch, so that on a
// small machine the fleet measures the gateway and not itself.
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

function post(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

export async function runFleet(o: FleetOptions): Promise<FleetResult> {
  const calls: CallRecord[] = [];
  let id = 0;
  /** One call as go-livepeer's clients make it; the answer's result, or the failure recorded and returned. */
  const urlOf = (account: PrivateKeyAccount) => (typeof o.url === 'string' ? o.url : o.url[o.accounts.indexOf(account)]!);
  const send = async <T>(me: PrivateKeyAccount, method: string, params: unknown[], phase: CallRecord['phase']): Promise<{ result?: T; error?: string }> => {
    const started = performance.now();
    let outcome: { result?: T; error?: string };
    try {
      const res = await post(urlOf(me), JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }));
      const body = JSON.parse(res.body) as { result?: T; error?: { code: number; message: string } };
      outcome = body.error ? { error: `${body.error.code} ${body.error.message}` } : res.status === 200 ? { result: body.result } : { error: `HTTP ${res.status}` };
    } catch (err) {
      outcome = { error: (err as Error).message };
    }
    calls.push({ method, ms: performance.now() - started, error: outcome.error, phase });
    return outcome;
  };
  const rpc = async <T>(who: PrivateKeyAccount, method: string, params: unknown[], phase: CallRecord['phase']): Promise<T | undefined> =>
    (await send<T>(who, method, params, phase)).result;
  const call = (to: string, data: Hex) => [{ from: '0x0000000000000000000000000000000000000000', to, input: data }, 'latest'];
  /** A contract read of the reward path: go-livepeer gives up the reward (until the next round) when one fails. */
  const encoded = new Map<string, Hex>();
  const read = async (who: PrivateKeyAccount, fn: string, args: unknown[] = [], to = BONDING_MANAGER) => {
    const id = `${fn}(${args.map(String).join(',')})`;
    let data = encoded.get(id);
    if (!data) encoded.set(id, (data = encodeFunctionData({ abi: ABI, functionName: fn as never, args: args as never })));
    const answer = await send(who, 'eth_call', call(to, data), 'round');
    if (answer.error !== undefined) throw new Error(`${fn}: ${answer.error}`);
    return answer.result;
  };
  const pool = fleetAccounts(o.poolSize).map((a) => a.address);

  const started = performance.now();
  let polling = true;
  let mined = 0;
  const rewards: Array<Promise<boolean>> = [];

  const orchestrator = async (account: PrivateKeyAccount, index: number) => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    let lastBlock: number | undefined;
    let rewarded = false;
    // Nodes started at different moments: their poll ticks are spread over the interval.
    await sleep((index / o.accounts.length) * o.pollMs);
    while (polling) {
      const head = await rpc<{ number: Hex }>(account, 'eth_getBlockByNumber', ['latest', false], 'poll');
      if (head) {
        const number = Number(head.number);
        const from = lastBlock === undefined ? number : lastBlock + 1;
        if (from <= number) await rpc(account, 'eth_getLogs', [{ fromBlock: toHex(from), toBlock: toHex(number), address: null, topics: [WATCHED_TOPICS] }], 'poll');
        lastBlock = number;
      }
      await rpc(account, 'eth_gasPrice', [], 'poll');
      // The NewRound log shows up in the first poll after the round started.
      if (!rewarded && performance.now() - started >= o.roundStartMs) {
        rewarded = true;
        if (rewards.length === 0) o.onRoundStart?.();
        rewards.push(reward(account));
      }
      await sleep(o.pollMs);
    }
  };

  const reward = (account: PrivateKeyAccount): Promise<boolean> => rewardOnce(account).catch(() => false);
  const rewardOnce = async (account: PrivateKeyAccount): Promise<boolean> => {
    const me = account.address;
    await read(account, 'currentRoundStartBlock', [], ROUNDS_MANAGER);
    await read(account, 'getTranscoderPoolSize');
    const round = 1n;
    await read(account, 'currentRound', [], ROUNDS_MANAGER);
    await read(account, 'getTranscoderEarningsPoolForRound', [me, round]);
    const transcoder = async (a: string) => {
      for (const fn of ['getTranscoder', 'transcoderStatus', 'transcoderTotalStake', 'isActiveTranscoder', 'getServiceURI']) await read(account, fn, [a]);
    };
    await transcoder(me); // tryReward: is it active, has it claimed this round?
    await transcoder(me); // Reward(): again
    await read(account, 'getTranscoderEarningsPoolForRound', [me, round]);
    await read(account, 'currentMintableTokens', [], ROUNDS_MANAGER);
    await read(account, 'getTotalBonded');
    await read(account, 'getFirstTranscoderInPool');
    for (const member of pool) {
      await transcoder(member);
      await read(account, 'getNextTranscoderInPool', [member]);
    }
    await read(account, 'getTranscoderPoolMaxSize');
    // The reward transaction, as go-ethereum's bind and go-livepeer's transaction manager send it.
    const block = await rpc<{ baseFeePerGas?: Hex }>(account, 'eth_getBlockByNumber', ['latest', false], 'round');
    const tip = await rpc<Hex>(account, 'eth_maxPriorityFeePerGas', [], 'round');
    await rpc(account, 'eth_getCode', [BONDING_MANAGER, 'pending'], 'round');
    const tx = { from: me, to: me, value: '0x1' };
    const gas = await rpc<Hex>(account, 'eth_estimateGas', [tx], 'round');
    const nonce = await rpc<Hex>(account, 'eth_getTransactionCount', [me, 'pending'], 'round');
    if (!block || tip === undefined || !gas || nonce === undefined) return false;
    const baseFee = BigInt(block.baseFeePerGas ?? '0x0');
    const signed = await account.signTransaction({
      chainId: o.chainId,
      type: 'eip1559',
      to: me,
      value: 1n,
      nonce: Number(nonce),
      gas: BigInt(gas),
      maxPriorityFeePerGas: BigInt(tip),
      maxFeePerGas: baseFee * 2n + BigInt(tip),
    });
    const hash = await rpc<Hex>(account, 'eth_sendRawTransaction', [signed], 'round');
    if (!hash) return false;
    const deadline = performance.now() + (o.txTimeoutMs ?? 60_000);
    for (;;) {
      const receipt = await rpc<{ status: Hex } | null>(account, 'eth_getTransactionReceipt', [hash], 'round');
      if (receipt) return receipt.status === '0x1';
      if (performance.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, o.receiptPollMs ?? 1000));
    }
  };

  const fleet = o.accounts.map((a, i) => orchestrator(a, i));
  // Every orchestrator starts its reward within one poll interval of the round start; the fleet polls on until
  // every reward transaction is settled (mined or given up), and for a tail after that.
  while (rewards.length < o.accounts.length) await new Promise((resolve) => setTimeout(resolve, 50));
  mined = (await Promise.all(rewards)).filter(Boolean).length;
  await new Promise((resolve) => setTimeout(resolve, o.tailMs));
  polling = false;
  await Promise.all(fleet);
  return { calls, mined, wallMs: performance.now() - started };
}
