import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { csvFields } from '../numbers/csv-line.ts';
import { csvEnabled, csvNumber } from '../numbers/csv-number.ts';
import { SomlengCsv } from '../numbers/somleng-csv.ts';
import { formatProgress } from '../terminal/progress.ts';
import { runBin, runInProcess } from './run-cli.ts';

const dir = await mkdtemp(join(tmpdir(), 'switchyard-import-'));
after(() => rm(dir, { recursive: true, force: true }));

const csvFile = async (name: string, text: string) => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};

/** Parses a multi-document YAML stream in slices of documents (the yaml library is far slower on 100,000 at once). */
function parseStream(text: string): unknown[] {
  const documents = text.split(/^(?=---$)/m);
  const objects: unknown[] = [];
  for (let start = 0; start < documents.length; start += 2000) {
    for (const document of parseAllDocuments(documents.slice(start, start + 2000).join(''))) {
      assert.deepEqual(document.errors, []);
      objects.push(document.toJS());
    }
  }
  return objects;
}

describe('Somleng CSV rows', () => {
  test('numbers: "+" E.164 as is, digits of 9 to 15 get a "+", 3 to 8 digits are short codes, the rest is refused', () => {
    assert.deepEqual(csvNumber('85512345678'), { number: '+85512345678', shortCode: false });
    assert.deepEqual(csvNumber(' +85512345678 '), { number: '+85512345678', shortCode: false });
    assert.deepEqual(csvNumber('1234'), { number: '1234', shortCode: true });
    assert.deepEqual(csvNumber('12345678'), { number: '12345678', shortCode: true });
    assert.deepEqual(csvNumber('+1234'), { number: '+1234', shortCode: false });
    for (const bad of ['', '12', '+0123456789', '012345678901', '8551234567890123', '+8551234567890123', '855 1234 5678', '+', 'tel:+85512345678']) {
      assert.ok('problem' in csvNumber(bad), `"${bad}" is refused`);
    }
  });

  test('Enabled: true or false in any case, empty is true, anything else is refused', () => {
    assert.deepEqual(csvEnabled('TRUE'), { enabled: true });
    assert.deepEqual(csvEnabled('False'), { enabled: false });
    assert.deepEqual(csvEnabled(''), { enabled: true });
    assert.deepEqual(csvEnabled(undefined), { enabled: true });
    assert.match((csvEnabled('yes') as { problem: string }).problem, /Enabled must be true or false, not "yes"/);
  });

  test('fields: quoted fields with commas and doubled quotes; an unclosed quote is refused', () => {
    assert.deepEqual(csvFields('1234,true'), { fields: ['1234', 'true'] });
    assert.deepEqual(csvFields('"1234","tr""ue",'), { fields: ['1234', 'tr"ue', ''] });
    assert.ok('problem' in csvFields('"1234,true'));
    assert.ok('problem' in csvFields('12"34,true'));
  });

  test('the header may be in any case and order, Enabled may be missing, a BOM and blank lines are ignored', () => {
    const csv = new SomlengCsv();
    ['\uFEFFenabled,NUMBER', 'false,1234', '', ',85512345678'].forEach((line, i) => csv.add(line, i + 1));
    csv.finish(4);
    assert.deepEqual(csv.problems, []);
    assert.deepEqual(csv.rows.map((row) => [row.line, row.number, row.enabled, row.name]), [[2, '1234', false, 'pn-1234'], [4, '+85512345678', true, 'pn-85512345678']]);
    const numbersOnly = new SomlengCsv();
    ['Number', '855123456789'].forEach((line, i) => numbersOnly.add(line, i + 1));
    assert.equal(numbersOnly.rows[0]?.enabled, true);
  });

  test('an unknown column, a missing Number column and an empty file are problems of line 1', () => {
    const check = (lines: string[]) => {
      const csv = new SomlengCsv();
      lines.forEach((line, i) => csv.add(line, i + 1));
      csv.finish(lines.length);
      return csv.problems;
    };
    assert.match(check(['Number,Enabeld'])[0]?.reason ?? '', /unknown column "Enabeld"/);
    assert.match(check(['Enabled'])[0]?.reason ?? '', /no Number column/);
    assert.deepEqual(check([]).map((p) => p.line), [1]);
  });

  test('the progress line shows rows, rate and ETA', () => {
    assert.equal(formatProgress({ label: 'applied', done: 25_000, total: 100_000, elapsedMs: 5000 }), 'applied [######..................] 25,000/100,000 5,000/s ETA 15s');
  });
});

describe('import-numbers', () => {
  test('round-trips a 100,000-row CSV: every row comes back as its PhoneNumber, in order', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => {
      const shortCode = i % 10 === 0;
      const number = shortCode ? String(100_000 + i) : `${i % 4 === 1 ? '+' : ''}${855_10_000_000 + i}`;
      const enabled = ['true', 'FALSE', '', 'True'][i % 4] ?? '';
      return { number, enabled };
    });
    const file = await csvFile('big.csv', `Number,Enabled\r\n${rows.map((row) => `${row.number},${row.enabled}`).join('\r\n')}\r\n`);
    const started = performance.now();
    const result = await runBin(['import-numbers', file, '--carrier', 'mekong-telecom', '--account', 'kampot-pepper', '--namespace', 'telco']);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '', 'no progress bar when stderr is not a terminal');
    const objects = parseStream(result.stdout);
    assert.equal(objects.length, rows.length);
    objects.forEach((object, i) => {
      const row = rows[i] as (typeof rows)[number];
      const number = /^\d{3,8}$/.test(row.number) || row.number.startsWith('+') ? row.number : `+${row.number}`;
      const shortCode = !number.startsWith('+');
      assert.deepEqual(object, {
        apiVersion: 'telecom.switchyard.dev/v1alpha1', kind: 'PhoneNumber',
        metadata: { name: `pn-${number.replace('+', '')}`, namespace: 'telco' },
        spec: { carrierRef: { name: 'mekong-telecom' }, number, ...(shortCode ? { type: 'shortCode' } : {}), accountRef: { name: 'kampot-pepper' }, enabled: row.enabled.toLowerCase() !== 'false' },
      });
    });
    console.log(`100,000 rows: ${seconds.toFixed(2)} s through the bin, ${(result.stdout.length / 2 ** 20).toFixed(1)} MiB of YAML`);
    assert.ok(seconds < 30, `took ${seconds} s`);
  });

  test('without --account the numbers are written unassigned: no accountRef', async () => {
    const file = await csvFile('unassigned.csv', 'Number\n85512345678\n1234\n');
    const result = await runInProcess(['import-numbers', file, '--carrier', 'mekong-telecom']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(parseStream(result.stdout).map((object) => (object as { spec: unknown }).spec), [
      { carrierRef: { name: 'mekong-telecom' }, number: '+85512345678', enabled: true },
      { carrierRef: { name: 'mekong-telecom' }, number: '1234', type: 'shortCode', enabled: true },
    ]);
  });

  test('bad rows are reported as FILE:LINE: reason, all of them, with nothing on stdout and exit code 1', async () => {
    const file = await csvFile('bad.csv', [
      'Number,Enabled',
      '85512345678,true',
      '1234,maybe',
      '',
      '85512345678,false',
      '12,true',
      '+85512345679,true,extra',
      '85598765432,',
    ].join('\n'));
    const result = await runBin(['import-numbers', file, '--carrier', 'mekong-telecom', '--account', 'kampot-pepper']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.deepEqual(lines.slice(0, -1), [
      `${file}:3: Enabled must be true or false, not "maybe"`,
      `${file}:5: duplicate number +85512345678, first on line 2`,
      `${file}:6: Number "12" is not an E.164 number (85512345678 or +85512345678: country code first, at most 15 digits) or a short code of 3 to 8 digits`,
      `${file}:7: 3 fields, but the header names 2`,
    ]);
    assert.equal(lines.at(-1), `${file}: 4 bad rows; nothing was written`);
  });

  test('a number that is bad and a bad Enabled on one line are both said', async () => {
    const file = await csvFile('both.csv', 'Number,Enabled\nabc,nope\n');
    const result = await runInProcess(['import-numbers', file, '--carrier', 'c', '--account', 'a']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /both\.csv:2: Number "abc" .*; Enabled must be true or false, not "nope"/);
  });

  test('usage errors exit 2 and name the problem', async () => {
    const file = await csvFile('ok.csv', 'Number\n1234\n');
    for (const [args, message] of [
      [['import-numbers', file, '--account', 'a'], /--carrier is required/],
      [['import-numbers', file, '--carrier', 'Mekong_Telecom', '--account', 'a'], /--carrier "Mekong_Telecom" is not a valid object name/],
      [['import-numbers', '--carrier', 'c', '--account', 'a'], /FILE\.csv is required/],
      [['import-numbers', file, '--carrier', 'c', '--account', 'a', '--kubeconfig', 'k'], /only go with --apply/],
      [['import-numbers', file, '--carrier', 'c', '--account', 'a', '--bogus'], /Unknown option '--bogus'/],
      [['import-numbers', join(dir, 'missing.csv'), '--carrier', 'c', '--account', 'a'], /cannot read .*missing\.csv/],
    ] as const) {
      const result = await runInProcess([...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    }
  });

  test('draws the progress bar on stderr when it is a terminal', async () => {
    const file = await csvFile('tty.csv', `Number\n${Array.from({ length: 3000 }, (_, i) => 855_20_000_000 + i).join('\n')}\n`);
    const result = await runInProcess(['import-numbers', file, '--carrier', 'c', '--account', 'a'], { stderrIsTTY: true });
    assert.equal(result.code, 0);
    assert.match(result.stderr, /\rvalidated \[#{24}\] 3,000\/3,000 [\d,]+\/s ETA 0s/);
    assert.ok(!result.stdout.includes('validated'));
  });
});
