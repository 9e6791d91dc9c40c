// A password for a command, from --password (which shows in process lists) or from a file or
// stdin, so it stays out of shell history; one trailing newline, as `echo` and editors add, is dropped.
import { readFile } from 'node:fs/promises';
import { CommandError, UsageError, type CommandIO } from './command.ts';

export const passwordOptions = { password: { type: 'string' }, 'password-file': { type: 'string' } } as const;

export async function readPassword(values: { password?: string | boolean | undefined; 'password-file'?: string | boolean | undefined }, io: CommandIO): Promise<string> {
  const { password, 'password-file': file } = values;
  if ((password === undefined) === (file === undefined)) throw new UsageError('give exactly one of --password and --password-file');
  if (typeof password === 'string') return password;
  const source = typeof file === 'string' ? file : '-';
  try {
    if (source !== '-') return (await readFile(source, 'utf8')).replace(/\r?\n$/, '');
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new CommandError(`cannot read the password from ${source}: ${(error as Error).message}`);
  }
}
