// switchyard digest-hashes against the Bandwidth guide's own four hashes (user sipauthtest, and
// bob with domain somewhere.com, realm custxx.auth.bandwidth.com, password "password"), and the
// Secret it prints for a hashesSecretRef.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { runBin } from './run-cli.ts';

const realm = 'custxx.auth.bandwidth.com';

describe('digest-hashes', () => {
  const vectors = [
    { name: 'no domain', args: ['--username', 'sipauthtest'], hash1: 'fe438bddfc087dda89d29e637f5684ab', hash1b: '79bb0e55551e14a2f329a282c7cf1456' },
    { name: 'domain somewhere.com', args: ['--username', 'bob', '--domain', 'somewhere.com'], hash1: '817d76e91aad032a8c272229f468bfb2', hash1b: '39679d2a73c2e1ea719621bc0d8fdac8' },
  ];
  for (const vector of vectors) {
    test(`reproduces Bandwidth's Hash1 and Hash1b (${vector.name}), the password from stdin with or without its newline`, async () => {
      for (const input of ['password', 'password\n']) {
        const result = await runBin(['digest-hashes', ...vector.args, '--realm', realm, '--password-file', '-'], { input });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, `hash1  ${vector.hash1}\nhash1b ${vector.hash1b}\n`);
      }
    });
  }

  test('--secret prints the Secret a hashesSecretRef names, with the hashes and not the password', async () => {
    const result = await runBin(['digest-hashes', '--username', 'bob', '--domain', 'somewhere.com', '--realm', realm, '--password', 'password', '--secret', 'bob-hashes', '--namespace', 'mekong']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(parse(result.stdout), {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bob-hashes', namespace: 'mekong' }, type: 'Opaque',
      stringData: { hash1: '817d76e91aad032a8c272229f468bfb2', hash1b: '39679d2a73c2e1ea719621bc0d8fdac8' },
    });
    assert.doesNotMatch(result.stdout, /password/);
  });

  test('refuses, with exit code 2, what would hash the wrong thing', async () => {
    const refusals: Array<[string[], string | undefined, RegExp]> = [
      [['--username', 'u', '--password', 'p'], undefined, /--realm/],
      [['--username', 'u', '--realm', realm, '--password-file', '-'], '\n', /the password is empty/],
      [['--username', 'u', '--realm', realm, '--password', 'p', '--password-file', '-'], 'p', /exactly one of --password and --password-file/],
      [['--username', 'u', '--realm', realm, '--password', 'p', '--namespace', 'mekong'], undefined, /--namespace only goes with --secret/],
      [['--username', 'u', '--realm', realm, '--password', 'p', '--secret', 'Not_A_Name'], undefined, /--secret "Not_A_Name" is not a valid object name/],
    ];
    for (const [args, input, message] of refusals) {
      const result = await runBin(['digest-hashes', ...args], input === undefined ? {} : { input });
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stdout, '');
      assert.match(result.stderr, message);
    }
  });
});
