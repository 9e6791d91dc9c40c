import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { launchHandler } from '../../sip-workers/src/zero-config/launch-handler.ts';
import { decryptZeroConfig, defaultZeroConfigKey, encryptZeroConfig, parseZeroConfigPlaintext, zeroConfigLink, zeroConfigPlaintext } from '../../sip-workers/src/zero-config/link-cipher.ts';
import { runBin } from './run-cli.ts';

// The Sipwise handbook's example: `echo -n 'username=testuser&server=example.org&password=testpass' | encrypt.pl`.
const vector = {
  plaintext: 'username=testuser&server=example.org&password=testpass',
  base64: 'CI8VN8toaE40w8E4OH2rAuFj3Qev9QdLI/Wv/VaBCVK2yNkBZjxE9eafXkkrQfmYdeu01PquS5P40zhUq8Mfjg==',
  escaped: 'CI8VN8toaE40w8E4OH2rAuFj3Qev9QdLI%2FWv%2FVaBCVK2yNkBZjxE9eafXkkrQfmYdeu01PquS5P40zhUq8Mfjg%3D%3D',
};
const credentials = { username: 'testuser', server: 'example.org', password: 'testpass' };

describe('zero-config link', () => {
  test('reproduces the handbook test vector byte for byte with the default key and IV', () => {
    assert.equal(zeroConfigPlaintext(credentials), vector.plaintext);
    assert.equal(encryptZeroConfig(vector.plaintext), vector.base64);
    assert.equal(zeroConfigLink(credentials), `sipphone://${vector.base64}`);
  });

  test('decrypts back to the credentials', () => {
    assert.deepEqual(parseZeroConfigPlaintext(decryptZeroConfig(vector.base64)), credentials);
  });

  test('pads a plaintext of whole blocks with a full block, as PKCS#7 does', () => {
    const sixteen = 'username=a&serve';
    assert.equal(Buffer.from(encryptZeroConfig(sixteen), 'base64').length, 32);
    assert.equal(decryptZeroConfig(encryptZeroConfig(sixteen)), sixteen);
  });

  test('another key gives another ciphertext that only that key decrypts', () => {
    const brand = { key: Buffer.alloc(16, 1), iv: Buffer.alloc(16, 2) };
    const base64 = encryptZeroConfig(vector.plaintext, brand);
    assert.notEqual(base64, vector.base64);
    assert.equal(decryptZeroConfig(base64, brand), vector.plaintext);
    assert.throws(() => decryptZeroConfig(base64, defaultZeroConfigKey));
  });

  test('refuses a value with "&", which would cut the string short in the app', () => {
    assert.throws(() => zeroConfigPlaintext({ ...credentials, password: 'a&b' }), /password contains "&"/);
  });

  test('the bin prints the sipphone:// link and the URL-escaped launch link', async () => {
    const result = await runBin(['zero-config-link', '--username', 'testuser', '--server', 'example.org', '--password', 'testpass', '--launch-url', 'http://example.org/p']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `sipphone://${vector.base64}\nhttp://example.org/p?c=${vector.escaped}\n`);
  });

  test('the bin takes --key/--iv in hex (the defaults spelled out give the vector) and reads the password from stdin', async () => {
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    const result = await runBin(['zero-config-link', '--username', 'testuser', '--server', 'example.org', '--password-file', '-', '--key', hex(defaultZeroConfigKey.key), '--iv', hex(defaultZeroConfigKey.iv)], { input: 'testpass\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `sipphone://${vector.base64}\n`);
  });

  test('the bin refuses a malformed key with exit code 2 and says why', async () => {
    const result = await runBin(['zero-config-link', '--username', 'u', '--server', 's', '--password', 'p', '--key', 'abc', '--iv', '00']);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /--key must be 32 hex digits/);
  });
});

describe('launch handler', () => {
  const handle = launchHandler();

  test('GET /p?c=<escaped> answers 302 to sipphone://<plain Base64>', () => {
    const response = handle(`/p?c=${vector.escaped}`);
    assert.equal(response.status, 302);
    assert.equal(response.headers.location, `sipphone://${vector.base64}`);
    assert.equal(response.headers['cache-control'], 'no-store');
  });

  test('accepts an absolute URL and a "+" that was left unescaped (read back as a space)', () => {
    const plus = encryptZeroConfig('username=u1&server=s&password=p?>');
    assert.ok(plus.includes('+'), 'this ciphertext has a "+" in it');
    const response = handle(`https://links.example/p?c=${plus}`);
    assert.equal(response.status, 302);
    assert.equal(response.headers.location, `sipphone://${plus}`);
  });

  for (const [what, url] of [
    ['no c', '/p'],
    ['an empty c', '/p?c='],
    ['c that is not Base64', '/p?c=not*base64'],
    ['c that is not whole AES blocks', `/p?c=${encodeURIComponent(Buffer.alloc(10).toString('base64'))}`],
    ['c twice', `/p?c=${vector.escaped}&c=${vector.escaped}`],
  ] as const) {
    test(`answers 400 to ${what}`, () => {
      const response = handle(url);
      assert.equal(response.status, 400);
      assert.equal(response.headers.location, undefined);
      assert.match(response.body ?? '', /c/);
    });
  }

  test('with the brand key, refuses a c that decrypts to something else', () => {
    const strict = launchHandler({ key: defaultZeroConfigKey });
    assert.equal(strict(`/p?c=${vector.escaped}`).status, 302);
    const other = encodeURIComponent(encryptZeroConfig(vector.plaintext, { key: Buffer.alloc(16, 9), iv: Buffer.alloc(16, 9) }));
    assert.equal(strict(`/p?c=${other}`).status, 400);
  });

  test('other paths are 404 and other methods 405', () => {
    assert.equal(handle(`/q?c=${vector.escaped}`).status, 404);
    const post = handle(`/p?c=${vector.escaped}`, 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });
});
