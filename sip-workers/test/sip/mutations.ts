// Seeded mutations of real SIP messages, shared by the parser fuzz test and the live worker
// fuzz test: deterministic, so a failure found in CI replays on any machine.
import { CORPUS } from './fixtures.ts';

/** mulberry32: small, fast, and the same sequence on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;

export const int = (random: Random, n: number): number => Math.floor(random() * n);

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[int(random, items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

const INTERESTING = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x25, 0x2c, 0x3a, 0x3b, 0x3c, 0x3e, 0x40, 0x5c, 0x7f, 0x80, 0xff];
const HUGE = ['9'.repeat(40), '-1', '4294967296', 'x'.repeat(9000), '"'.repeat(3000), ';'.repeat(5000), '%'.repeat(100), '<'.repeat(200)];
const ALL_LINES = CORPUS.flatMap(([, data]) => data.toString('latin1').split('\r\n').filter((l) => l.includes(':') && !l.startsWith('v=')));

type Mutation = (data: Buffer, random: Random) => Buffer;

const MUTATIONS: ReadonlyArray<[string, Mutation]> = [
  ['flip bits', (data, random) => {
    const out = Buffer.from(data);
    for (let n = 1 + int(random, 4); n > 0; n--) {
      const i = int(random, out.length);
      out[i] = (out[i] ?? 0) ^ (1 << int(random, 8));
    }
    return out;
  }],
  ['interesting byte', (data, random) => {
    const out = Buffer.from(data);
    out[int(random, out.length)] = pick(random, INTERESTING);
    return out;
  }],
  ['truncate', (data, random) => data.subarray(0, int(random, data.length))],
  ['duplicate a region', (data, random) => {
    const start = int(random, data.length);
    const end = Math.min(data.length, start + 1 + int(random, 200));
    return Buffer.concat([data.subarray(0, end), data.subarray(start, end), data.subarray(end)]);
  }],
  ['delete a region', (data, random) => {
    const start = int(random, data.length);
    return Buffer.concat([data.subarray(0, start), data.subarray(Math.min(data.length, start + 1 + int(random, 40)))]);
  }],
  ['splice a header from another message', (data, random) => {
    const text = data.toString('latin1');
    const lines = text.split('\r\n');
    lines.splice(1 + int(random, Math.max(1, lines.length - 1)), 0, pick(random, ALL_LINES));
    return Buffer.from(lines.join('\r\n'), 'latin1');
  }],
  ['drop a header line', (data, random) => {
    const lines = data.toString('latin1').split('\r\n');
    lines.splice(1 + int(random, Math.max(1, lines.length - 1)), 1);
    return Buffer.from(lines.join('\r\n'), 'latin1');
  }],
  ['huge value', (data, random) => {
    const text = data.toString('latin1');
    const lines = text.split('\r\n');
    const i = 1 + int(random, Math.max(1, lines.length - 1));
    const line = lines[i] ?? '';
    const colon = line.indexOf(':');
    if (colon > 0) lines[i] = `${line.slice(0, colon + 1)} ${pick(random, HUGE)}`;
    return Buffer.from(lines.join('\r\n'), 'latin1');
  }],
  ['replace a number', (data, random) => {
    const text = data.toString('latin1');
    const numbers = [...text.matchAll(/\d+/g)];
    if (numbers.length === 0) return data;
    const match = pick(random, numbers);
    return Buffer.from(text.slice(0, match.index) + pick(random, HUGE.slice(0, 3)) + text.slice(match.index + match[0].length), 'latin1');
  }],
  ['fold a line', (data, random) => {
    const text = data.toString('latin1');
    const spaces = [...text.matchAll(/ /g)];
    if (spaces.length === 0) return data;
    const at = pick(random, spaces).index;
    return Buffer.from(`${text.slice(0, at)}\r\n${pick(random, [' ', '\t', ''])}${text.slice(at + 1)}`, 'latin1');
  }],
  ['many headers', (data, random) => {
    const lines = data.toString('latin1').split('\r\n');
    const extra = Array.from({ length: 1 + int(random, 300) }, () => pick(random, ALL_LINES));
    lines.splice(1, 0, ...extra);
    return Buffer.from(lines.join('\r\n'), 'latin1');
  }],
];

export function mutate(data: Buffer, random: Random): Buffer {
  let out = data;
  for (let rounds = 1 + int(random, 3); rounds > 0; rounds--) out = pick(random, MUTATIONS)[1](out, random);
  return out;
}
