// A 16-byte test contract, hand-assembled so tests need no compiler:
// on any call it emits LOG1(topic 0x2a, data = calldata) and returns the calldata.
//   runtime: CALLDATASIZE 0 0 CALLDATACOPY | 0x2a CALLDATASIZE 0 LOG1 | CALLDATASIZE 0 RETURN
//   init:    CODECOPY(0, 12, 16) RETURN(0, 16)
export const ECHO_RUNTIME = '0x366000600037602a366000a1366000f3';
export const ECHO_DEPLOY = ('0x6010600c60003960106000f3' + ECHO_RUNTIME.slice(2)) as `0x${string}`;
export const ECHO_TOPIC = `0x${'2a'.padStart(64, '0')}` as const;
