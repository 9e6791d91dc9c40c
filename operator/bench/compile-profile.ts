// Offline, no API server: how long the compile step takes for one carrier with N numbers, in full
// (first pass, resync) and for a pass with a few edited numbers. `node operator/bench/compile-profile.ts 100000`
import { compile, viewOf } from '../src/compile/compile.ts';
import { IncrementalCompiler } from '../src/compile/incremental.ts';
import { objectKey, type PhoneNumberObject } from '../src/compile/observed.ts';
import { account, carrier, carrierRef, context, observed, phoneNumber, secret } from '../test/builders.ts';

const size = Number(process.argv[2] ?? 10_000);
const ms = (since: number) => `${(performance.now() - since).toFixed(0)} ms`;
const numbers = Array.from({ length: size }, (_, i) => phoneNumber(`pn-${i}`, { ...carrierRef(), number: `+8551${String(i).padStart(8, '0')}`, accountRef: { name: 'clinic' } }));
const input = observed({
  carriers: [carrier('mekong', { displayName: 'Mekong', country: 'KH' })],
  accounts: [account('clinic', { ...carrierRef(), voiceURL: 'https://clinic.example/voice' })],
  secrets: new Map([secret('clinic-auth-token', { authToken: 'token', accountSID: 'x' })]),
  phoneNumbers: numbers,
});

let started = performance.now();
const fresh = compile(input, context);
console.log(`pure compile of ${size.toLocaleString('en')} numbers: ${ms(started)}, ${fresh.statuses.length} statuses, ${fresh.carriers[0]?.shards} shards`);

const compiler = new IncrementalCompiler();
const view = viewOf(input);
for (let round = 0; round < 3; round++) {
  started = performance.now();
  compiler.compile(view, { full: true, phoneNumbers: [] }, context);
  console.log(`full pass: ${ms(started)}`);
}
const phoneNumbers = view.phoneNumbers as Map<string, PhoneNumberObject>;
for (let round = 0; round < 5; round++) {
  const edited = Array.from({ length: 20 }, (_, i) => numbers[(round * 7919 + i * 104_729) % size] as PhoneNumberObject);
  for (const number of edited) phoneNumbers.set(objectKey(number.metadata), { ...number, spec: { ...number.spec, voiceURL: `https://edited.example/${round}` } });
  started = performance.now();
  const result = compiler.compile(view, { full: false, phoneNumbers: edited.map((n) => objectKey(n.metadata)) }, context);
  console.log(`pass with 20 edited numbers: ${ms(started)}, ${result.statuses.length} statuses`);
}
console.log(`heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
