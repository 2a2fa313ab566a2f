// pino JSON logs with API keys redacted from the finished line: whatever a log call carries (messages,
// format arguments, fields at any depth, errors and their stacks, child bindings), the text that leaves
// the process is the text that is checked, and the stdout line and the Loki line are the same.
import pino, { type DestinationStream, type Logger, type LoggerOptions, type StreamEntry } from 'pino';
import { redactApiKeys } from '../common/redact.ts';
import type { LogLevel } from './config.ts';

export interface LoggerSetup {
  level: LogLevel;
  serviceName: string;
  /** Where JSON lines go: stdout unless a test passes its own stream. */
  destination?: DestinationStream;
  /** Extra destinations at the same level (Loki). */
  extra?: DestinationStream[];
}

/** One pass over the serialized line; most lines never contain the marker and cost a substring search. */
export function redactLine(line: string): string {
  return line.includes('/api/') ? redactApiKeys(line) : line;
}

export function createLogger(setup: LoggerSetup): Logger {
  const options: LoggerOptions = {
    level: setup.level,
    base: { service: setup.serviceName },
    hooks: { streamWrite: redactLine },
  };
  const main = setup.destination ?? pino.destination({ dest: 1, sync: true });
  const level = setup.level;
  return !setup.extra?.length || level === 'silent'
    ? pino(options, main)
    : pino(options, pino.multistream([main, ...setup.extra].map((stream): StreamEntry => ({ level, stream }))));
}
