// Running the CLI in tests: through its bin (a child process, as a user runs it: the shebang, the
// executable bit, the dispatcher) or in-process through main() with captured streams.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../switchyard.ts';

export const binPath = join(new URL('..', import.meta.url).pathname, 'switchyard.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The bin as a child process; `node` on its PATH is the one running the tests (Node 24). */
export function runBin(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binPath, args, {
      env: { ...process.env, ...options.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }));
    child.stdin.end(options.input ?? '');
  });
}

/** main() in this process, with captured output; `stderrIsTTY` lets a test see the progress bar. */
export async function runInProcess(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; stderrIsTTY?: boolean } = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await main(args, { stdout, stderr, stdin: Readable.from([options.input ?? '']), env: options.env ?? process.env, stderrIsTTY: options.stderrIsTTY ?? false });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}
