// Compiles a contract in this folder with solc from npm, so tests deploy what the .sol file says.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import solc from 'solc';
import type { Abi, Hex } from 'viem';

export interface CompiledContract {
  abi: Abi;
  bytecode: Hex;
}

export function compileContract(fileName: string, contractName: string): CompiledContract {
  const content = readFileSync(fileURLToPath(new URL(fileName, import.meta.url)), 'utf8');
  const input = {
    language: 'Solidity',
    sources: { [fileName]: { content } },
    settings: { evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: Array<{ severity: string; formattedMessage: string }>;
    contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join('\n')}`);
  const contract = output.contracts?.[fileName]?.[contractName];
  if (!contract) throw new Error(`solc produced no ${contractName} in ${fileName}`);
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}
