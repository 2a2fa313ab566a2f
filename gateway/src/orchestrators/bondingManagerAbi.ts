// The BondingManager view functions we read (livepeer/protocol contracts/bonding/BondingManager.sol).
export const bondingManagerAbi = [
  {
    type: 'function',
    name: 'getTranscoderPoolSize',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'uint256' }],
  },
  {
    type: 'function',
    name: 'getFirstTranscoderInPool',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'address' }],
  },
  {
    type: 'function',
    name: 'getNextTranscoderInPool',
    stateMutability: 'view',
    inputs: [{ name: '_transcoder', type: 'address' }],
    outputs: [{ name: '', type: 'address' }],
  },
  {
    type: 'function',
    name: 'isActiveTranscoder',
    stateMutability: 'view',
    inputs: [{ name: '_transcoder', type: 'address' }],
    outputs: [{ name: '', type: 'bool' }],
  },
] as const;
