// Starts webhook-process.ts (the customer's application) and learns its port from its first line.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RunningWebhook {
  base: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startWebhook(dialTarget: string): Promise<RunningWebhook> {
  const child = spawn(process.execPath, [new URL('webhook-process.ts', import.meta.url).pathname, dialTarget], { stdio: ['pipe', 'pipe', 'inherit'] });
  const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    new Promise<string>((resolve) => lines.once('line', resolve)),
    done.then(() => Promise.reject(new Error('the webhook process exited at start-up'))),
  ]);
  lines.close();
  child.stdout.resume();
  const { port } = JSON.parse(first) as { port: number };
  return {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await done;
    },
  };
}
