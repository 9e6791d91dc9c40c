// The incremental compiler against the pure one: after any sequence of changes, compiling only
// what changed gives what compiling everything from scratch gives.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compile, viewOf } from '../src/compile/compile.ts';
import { IncrementalCompiler } from '../src/compile/incremental.ts';
import { objectKey, type Observed, type PhoneNumberObject } from '../src/compile/observed.ts';
import type { CompileResult } from '../src/compile/result.ts';
import { account, carrier, carrierRef, context, observed, phoneNumber, secret } from './builders.ts';

// A small deterministic generator, so a failure can be replayed.
function random(seed: number) {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return { next, pick: <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T };
}

const sorted = (result: CompileResult) => ({
  ...result,
  statuses: [...result.statuses].sort((a, b) => (`${a.kind}/${a.name}` < `${b.kind}/${b.name}` ? -1 : 1)),
  events: [...result.events].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
});

/** As if every status write landed: the next pass observes what this one wanted. */
function landStatuses(input: Observed, result: CompileResult): void {
  const wanted = new Map(result.statuses.map((update) => [`${update.kind}/${update.namespace}/${update.name}`, update.status]));
  for (const [kind, objects] of [['Carrier', input.carriers], ['Account', input.accounts], ['PhoneNumber', input.phoneNumbers]] as const) {
    for (const object of objects) {
      const status = wanted.get(`${kind}/${object.metadata.namespace}/${object.metadata.name}`);
      if (status) object.status = status;
    }
  }
}

describe('incremental compile', () => {
  for (const seed of [1, 2, 3, 4]) {
    test(`equals a fresh compile after every step of a random history (seed ${seed})`, () => {
      const { next, pick } = random(seed);
      let serial = 0;
      const newNumber = () => phoneNumber(`pn-${serial++}`, {
        carrierRef: { name: pick(['mekong', 'angkor', 'ghost']) }, number: `+8551${String(Math.floor(next() * 60)).padStart(7, '0')}`,
        ...(next() < 0.9 ? { accountRef: { name: pick(['a1', 'a2', 'a3', 'missing']) } } : {}),
        ...(next() < 0.3 ? { voiceURL: `https://x.example/${serial}` } : {}),
      });
      const input = observed({
        carriers: [carrier('mekong', { displayName: 'm', country: 'KH' }), carrier('angkor', { displayName: 'a', country: 'KH' })],
        accounts: ['a1', 'a2', 'a3'].map((name) => account(name, { carrierRef: { name: pick(['mekong', 'angkor']) }, voiceURL: `https://${name}.example/` })),
        secrets: new Map(['a1', 'a2', 'a3'].map((name) => secret(`${name}-auth-token`, { authToken: `t-${name}`, accountSID: 'x' }))),
        phoneNumbers: Array.from({ length: 80 }, newNumber),
      });
      const compiler = new IncrementalCompiler();
      let result = compiler.compile(viewOf(input), { full: true, phoneNumbers: [] }, context);
      assert.deepEqual(sorted(result), sorted(compile(input, context)));
      for (let step = 0; step < 40; step++) {
        landStatuses(input, result);
        const changed = new Set<string>();
        for (let edit = 0; edit < 1 + Math.floor(next() * 5); edit++) {
          const roll = next();
          const index = Math.floor(next() * input.phoneNumbers.length);
          const target = input.phoneNumbers[index] as PhoneNumberObject;
          if (roll < 0.3) {
            const created = newNumber();
            input.phoneNumbers.push(created);
            changed.add(objectKey(created.metadata));
          } else if (roll < 0.55) {
            input.phoneNumbers.splice(index, 1);
            changed.add(objectKey(target.metadata));
          } else if (roll < 0.9) {
            input.phoneNumbers[index] = { ...target, metadata: { ...target.metadata, generation: (target.metadata.generation ?? 1) + 1 }, spec: { ...target.spec, enabled: !target.spec.enabled, voiceURL: `https://edited.example/${step}` } };
            changed.add(objectKey(target.metadata));
          } else if (roll < 0.95) {
            // An account edit changes what every number of it routes to.
            const edited = pick(input.accounts);
            input.accounts = input.accounts.map((a) => (a === edited ? { ...a, spec: { ...a.spec, enabled: !a.spec.enabled } } : a));
          } else {
            // A label-only Carrier edit: owned objects inherit its labels.
            const edited = pick(input.carriers);
            input.carriers = input.carriers.map((c) => (c === edited ? { ...c, metadata: { ...c.metadata, labels: { team: `team-${step}` } } } : c));
          }
        }
        result = compiler.compile(viewOf(input), { full: false, phoneNumbers: changed }, context);
        assert.deepEqual(sorted(result), sorted(compile(input, context)), `step ${step}`);
      }
    });
  }

  test('as a carrier grows past a shard and shrinks back, its shards equal a fresh compile', () => {
    const numbers = Array.from({ length: 24_000 }, (_, i) => phoneNumber(`pn-${i}`, { ...carrierRef(), number: `+8551${String(i).padStart(7, '0')}`, accountRef: { name: 'clinic' }, voiceURL: `https://clinic.example/voice/${i}` }));
    const input = observed({ carriers: [carrier('mekong', { displayName: 'm', country: 'KH' })], accounts: [account('clinic', carrierRef())], secrets: new Map([secret('clinic-auth-token', { authToken: 't' })]) });
    const compiler = new IncrementalCompiler();
    compiler.compile(viewOf(input), { full: true, phoneNumbers: [] }, context);
    const shardCounts: number[] = [];
    const step = (change: () => string[]) => {
      const keys = change();
      const result = compiler.compile(viewOf(input), { full: false, phoneNumbers: keys }, context);
      assert.deepEqual(result.phases, compile(input, context).phases);
      shardCounts.push(result.carriers[0]?.shards ?? 0);
    };
    for (const upTo of [8_000, 24_000]) {
      step(() => {
        const added = numbers.slice(input.phoneNumbers.length, upTo);
        input.phoneNumbers.push(...added);
        return added.map((n) => objectKey(n.metadata));
      });
    }
    step(() => input.phoneNumbers.splice(2_000).map((n) => objectKey(n.metadata)));
    const [small = 0, large = 0, shrunk = 0] = shardCounts;
    assert.ok(small < large && shrunk < large, `shard counts ${shardCounts.join(' → ')}`);
  });

  test('a route becoming shared, then not, moves the other number\'s entry between in place and by key, as a fresh compile would', () => {
    const numbers = Array.from({ length: 3_000 }, (_, i) => phoneNumber(`pn-${i}`, { ...carrierRef(), number: `+8551${String(i).padStart(7, '0')}`, accountRef: { name: 'clinic' }, voiceURL: `https://clinic.example/voice/${i}` }));
    const input = observed({ carriers: [carrier('mekong', { displayName: 'm', country: 'KH' })], accounts: [account('clinic', carrierRef())], secrets: new Map([secret('clinic-auth-token', { authToken: 't' })]), phoneNumbers: numbers });
    const compiler = new IncrementalCompiler();
    const first = compiler.compile(viewOf(input), { full: true, phoneNumbers: [] }, context);
    assert.ok((first.carriers[0]?.shards ?? 0) > 4, 'the two numbers are likely in different shards');
    const pointAt = (index: number, url: string) => {
      const target = input.phoneNumbers[index] as PhoneNumberObject;
      input.phoneNumbers[index] = { ...target, spec: { ...target.spec, voiceURL: url } };
      return compiler.compile(viewOf(input), { full: false, phoneNumbers: [objectKey(target.metadata)] }, context);
    };
    // What is written (statuses aside: a pass writes only those that changed). Compared as text, as
    // a deep-equal diff of 33 shards would take minutes to print.
    const writes = (result: CompileResult) => JSON.stringify(result.phases);
    // pn-42 takes pn-7's webhook: pn-7's route is shared from now on.
    assert.ok(writes(pointAt(42, 'https://clinic.example/voice/7')) === writes(compile(input, context)), 'sharing');
    // And gives it back: pn-7 alone with it again.
    assert.ok(writes(pointAt(42, 'https://clinic.example/voice/42')) === writes(compile(input, context)), 'unsharing');
  });

  test('an edit to one of 30,000 numbers re-serialises one shard; the others are the same objects', () => {
    const numbers = Array.from({ length: 30_000 }, (_, i) => phoneNumber(`pn-${i}`, { ...carrierRef(), number: `+8551${String(i).padStart(7, '0')}`, accountRef: { name: 'clinic' } }));
    const input = observed({ carriers: [carrier('mekong', { displayName: 'm', country: 'KH' })], accounts: [account('clinic', carrierRef())], secrets: new Map([secret('clinic-auth-token', { authToken: 't' })]), phoneNumbers: numbers });
    const compiler = new IncrementalCompiler();
    const shardsOf = (result: CompileResult) => result.phases[0]?.filter((object) => object.kind === 'ConfigMap') ?? [];
    const before = shardsOf(compiler.compile(viewOf(input), { full: true, phoneNumbers: [] }, context));
    const edited = numbers[42] as PhoneNumberObject;
    input.phoneNumbers[42] = { ...edited, spec: { ...edited.spec, voiceURL: 'https://clinic.example/changed' } };
    const after = shardsOf(compiler.compile(viewOf(input), { full: false, phoneNumbers: [objectKey(edited.metadata)] }, context));
    assert.ok(before.length > 1);
    assert.equal(after.filter((shard, i) => shard !== before[i]).length, 1);
  });
});
