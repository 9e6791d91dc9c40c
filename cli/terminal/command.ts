// What every subcommand is to the dispatcher: a name, a one-line summary, its --help text and a
// run function over explicit streams (so tests can run a command in-process as well as through
// the bin). Exit codes are the same for every command: 0 done (or nothing to report), 1 the
// answer is "no" (bad CSV rows, a diff, a call that would be rejected), 2 the command could not
// do its job (bad usage, an unreadable file, an unreachable API server).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Readable, Writable } from 'node:stream';

export const exitCodes = { ok: 0, negative: 1, error: 2 } as const;

export interface CommandIO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  /** Progress bars are drawn only on a terminal. */
  stderrIsTTY: boolean;
}

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: CommandIO): Promise<number>;
}

/** Wrong or missing arguments: the message and a pointer to --help, exit 2. */
export class UsageError extends Error {}

/** The command cannot do its job (a file it cannot read, an API error): the message, exit 2. */
export class CommandError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with its errors turned into UsageErrors and --help handled for every command. */
export function parseCommandArgs<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

export function requireString(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

/** Writes text and waits while the stream's buffer is full, so 100,000 documents never pile up in memory. */
export async function write(stream: Writable, text: string): Promise<void> {
  if (stream.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      stream.off('drain', done);
      stream.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    stream.once('drain', done);
    stream.once('error', done);
  });
}
