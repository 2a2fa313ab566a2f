// What a member is told when its address may not have a key: why, and what to do about it.
import { getAddress } from 'viem';
import type { NotEligible } from '../membership/membership.ts';
import type { PortalConfig } from './config.ts';

export function refusal(eligibility: NotEligible, operator: PortalConfig['operator']): { why: string; whatToDo: string } {
  const shown = getAddress(eligibility.address);
  const ask = `ask ${operator.name} for a grant${operator.contact ? ` (${operator.contact})` : ''}`;
  switch (eligibility.reason) {
    case 'left_active_set':
      return {
        why: `${shown} is no longer an active orchestrator: it left the Livepeer active set${eligibility.leftAt ? ` on ${day(eligibility.leftAt)}` : ''} and its grace period is over.`,
        whatToDo: `Its keys work again as soon as it is back in the active set. Until then, ${ask}.`,
      };
    case 'set_not_synced':
      return {
        why: `This gateway has not loaded the Livepeer active orchestrator set yet, so it cannot tell whether ${shown} is active.`,
        whatToDo: `Try again in a few minutes; if it persists, ${ask}.`,
      };
    case 'not_in_active_set':
      return {
        why: `${shown} is not an active orchestrator: it is not in the Livepeer active set this gateway follows.`,
        whatToDo:
          'If you run an active orchestrator, check that you signed with its Ethereum account (the ETH account your node ' +
          `shows in livepeer_cli's node status), not another wallet. Otherwise ${ask}.`,
      };
  }
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}
