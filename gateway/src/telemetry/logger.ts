// pino JSON logs with API keys redacted from every message and every string field, at the source:
// the stdout line and the Loki line are the same redacted text.
import { format } from 'node:util';
import pino, { type DestinationStream, type Logger, type LoggerOptions, type StreamEntry } from 'pino';
import { redactApiKeys } from '../redact.ts';
import type { LogLevel } from './config.ts';
import { redactDeep } from './redactFields.ts';

export interface LoggerSetup {
  level: LogLevel;
  serviceName: string;
  /** Where JSON lines go: stdout unless a test passes its own stream. */
  destination?: DestinationStream;
  /** Extra destinations at the same level (Loki). */
  extra?: DestinationStream[];
}

export function createLogger(setup: LoggerSetup): Logger {
  const options: LoggerOptions = {
    level: setup.level,
    base: { service: setup.serviceName },
    hooks: { logMethod: redactLogCall },
    serializers: { err: (err: unknown) => err }, // errors are already serialized, and redacted, by the log formatter
    formatters: {
      log: (obj) => redactDeep(obj) as Record<string, unknown>,
      bindings: (bindings) => redactDeep(bindings) as Record<string, unknown>,
    },
  };
  const main = setup.destination ?? pino.destination({ dest: 1, sync: true });
  const level = setup.level;
  const logger =
    !setup.extra?.length || level === 'silent'
      ? pino(options, main)
      : pino(options, pino.multistream([main, ...setup.extra].map((stream): StreamEntry => ({ level, stream }))));
  return redactChildBindings(logger);
}

/** pino applies formatters.bindings to the base only, not to child bindings: redact those on the way in. */
function redactChildBindings(logger: Logger): Logger {
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    const safeOptions = options?.msgPrefix === undefined ? options : { ...options, msgPrefix: redactApiKeys(options.msgPrefix) };
    return child.call(this, redactDeep(bindings) as typeof bindings, safeOptions);
  } as Logger['child'];
  return logger;
}

/**
 * The message is built here (format arguments applied) and redacted as a whole, so a key split
 * across arguments (`'/api/%s/l2', key`) is caught too. Errors get their message taken, redacted, here.
 */
function redactLogCall(this: Logger, args: unknown[], method: (...a: unknown[]) => void): void {
  const [first, ...rest] = args;
  if (first === null || first === undefined) return method.call(this, rest.length > 0 ? formatMessage(rest) : undefined);
  if (typeof first === 'object') {
    const obj = first instanceof Error ? { err: first } : first;
    const msg = rest.length > 0 ? formatMessage(rest) : implicitMessage(obj);
    if (msg === undefined) return method.call(this, obj);
    return method.call(this, obj, msg);
  }
  return method.call(this, formatMessage(args));
}

function formatMessage(args: unknown[]): string {
  const [msg, ...params] = args;
  const text = params.length > 0 ? format(String(msg), ...params.map((p) => redactDeep(p))) : String(msg);
  return redactApiKeys(text);
}

/** pino would use the logged error's message when no message is given; take it here so it is redacted. */
function implicitMessage(obj: object): string | undefined {
  const o = obj as { msg?: unknown; err?: unknown };
  if (o.msg !== undefined) return undefined;
  return o.err instanceof Error ? redactApiKeys(o.err.message) : undefined;
}
