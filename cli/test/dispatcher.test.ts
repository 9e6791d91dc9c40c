import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { binPath, runBin, runInProcess } from './run-cli.ts';

const commands = ['import-numbers', 'render', 'explain-route', 'digest-hashes', 'test-event', 'zero-config-link'];

describe('switchyard', () => {
  test('the bin is executable and --help lists every command', async () => {
    assert.ok(((await stat(binPath)).mode & 0o111) !== 0, 'cli/switchyard.ts is executable');
    const result = await runBin(['--help']);
    assert.equal(result.code, 0, result.stderr);
    for (const command of commands) assert.match(result.stdout, new RegExp(`^  ${command} +\\S`, 'm'));
  });

  for (const command of commands) {
    test(`${command} --help prints its usage and exits 0`, async () => {
      const result = await runInProcess([command, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`^Usage: switchyard ${command} `));
      assert.match(result.stdout, /Exit codes|Example/);
    });
  }

  test('no command or an unknown one exits 2 with the list of commands on stderr', async () => {
    for (const args of [[], ['frobnicate']]) {
      const result = await runInProcess(args);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /Commands:\n {2}import-numbers/);
    }
    assert.match((await runInProcess(['frobnicate'])).stderr, /unknown command "frobnicate"/);
  });
});
