// What an address that may not have a key is told: why (never seen in the set, left it, set not loaded yet)
// and what to do, naming the operator and how to reach them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { refusal } from '../../gateway/src/portal/refusal.ts';

const address = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const shown = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const operator = { name: 'Example Ops', contact: 'ops@example.org' };

test('an address never seen in the active set: not an active orchestrator, check the signing account, or ask for a grant', () => {
  const r = refusal({ eligible: false, address, reason: 'not_in_active_set', leftAt: null }, operator);
  assert.is(r.why, `${shown} is not an active orchestrator: it is not in the Livepeer active set this gateway follows.`);
  assert.match(r.whatToDo, /signed with its Ethereum account/);
  assert.match(r.whatToDo, /ask Example Ops for a grant \(ops@example\.org\)\.$/);
});

test('an address that left the set: no longer active since that day, works again when back', () => {
  const r = refusal({ eligible: false, address, reason: 'left_active_set', leftAt: new Date('2025-11-20T08:00:00Z') }, { name: 'Example Ops' });
  assert.match(r.why, /is no longer an active orchestrator: it left the Livepeer active set on 2025-11-20 and its grace period is over\./);
  assert.match(r.whatToDo, /work again as soon as it is back in the active set/);
  assert.match(r.whatToDo, /ask Example Ops for a grant\.$/, 'no contact configured: none shown');
});

test('before the first sync the member is told to retry, not that it is not an orchestrator', () => {
  const r = refusal({ eligible: false, address, reason: 'set_not_synced', leftAt: null }, operator);
  assert.match(r.why, /has not loaded the Livepeer active orchestrator set yet/);
  assert.not.match(r.why, /not an active orchestrator/);
  assert.match(r.whatToDo, /Try again in a few minutes/);
});

test.run();
