// Collects a child process's pino output (one JSON object a line) as it arrives, for tests that
// wait for a log line or read them afterwards. Lines that are not JSON are kept as { msg }.
import type { Readable } from 'node:stream';

export function collectJsonLines(stream: Readable | null, logs: Array<Record<string, unknown>>, onLines?: () => void): void {
  let buffer = '';
  stream?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
    onLines?.();
  });
}
