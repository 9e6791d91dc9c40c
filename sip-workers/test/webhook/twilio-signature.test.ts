// Twilio's published vectors: the webhooks-security page's example and twilio-python's
// tests/unit/test_request_validator.py (auth token 12345 throughout).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { twilioSignature, validateTwilioSignature } from '../../src/webhook/twilio-signature.ts';

const AUTH_TOKEN = '12345';
const URL_WITH_QUERY = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
};

test('signs URL and sorted POST parameters as Twilio does (twilio-python vector)', () => {
  assert.equal(twilioSignature(AUTH_TOKEN, URL_WITH_QUERY, PARAMS), 'RSOYDt4T1cUTdK1PDd93/VVr8B8=');
});

test('signs the webhooks-security page example (Caller +14158675310)', () => {
  const params = { ...PARAMS, Caller: '+14158675310', From: '+14158675310' };
  assert.equal(twilioSignature(AUTH_TOKEN, URL_WITH_QUERY, params), 'GvWf1cFY/Q7PnoempGyD5oXAezc=');
});

test('parameter order as sent does not matter; a list of pairs signs like a record', () => {
  const reversed = Object.entries(PARAMS).reverse();
  assert.equal(twilioSignature(AUTH_TOKEN, URL_WITH_QUERY, reversed), 'RSOYDt4T1cUTdK1PDd93/VVr8B8=');
});

test('sorts by name, then repeated names by value (twilio-python duplicate vector)', () => {
  // Sorting "name+value" strings instead would put SidAccountAC123 before SidCA123.
  const params: [string, string][] = [['Sid', 'CA123'], ['SidAccount', 'AC123'], ['Digits', '5678'], ['Digits', '1234']];
  assert.equal(twilioSignature(AUTH_TOKEN, URL_WITH_QUERY, params), 'IK+Dwps556ElfBT0I3Rgjkr1wJU=');
});

test('identical repeated pairs count once, as in Twilio validators', () => {
  const once: [string, string][] = [['Digits', '1234'], ['Sid', 'CA123']];
  const twice: [string, string][] = [['Digits', '1234'], ['Sid', 'CA123'], ['Digits', '1234']];
  assert.equal(twilioSignature(AUTH_TOKEN, URL_WITH_QUERY, twice), twilioSignature(AUTH_TOKEN, URL_WITH_QUERY, once));
});

test('the URL is signed exactly as configured: an explicit port changes the signature', () => {
  // The "with port" vectors from twilio-python: these URLs are what was signed.
  assert.equal(twilioSignature(AUTH_TOKEN, 'https://mycompany.com:443/myapp.php?foo=1&bar=2', PARAMS), 'kvajT1Ptam85bY51eRf/AJRuM3w=');
  assert.equal(twilioSignature(AUTH_TOKEN, 'http://mycompany.com:80/myapp.php?foo=1&bar=2', PARAMS), '0ZXoZLH/DfblKGATFgpif+LLRf4=');
  assert.equal(twilioSignature(AUTH_TOKEN, 'http://mycompany.com:1234/myapp.php?foo=1&bar=2', PARAMS), 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=');
});

test('GET: the full URL with its query is signed and no parameters are appended', () => {
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2&CallSid=CA1234567890ABCDE';
  const signature = twilioSignature(AUTH_TOKEN, url, []);
  assert.notEqual(signature, twilioSignature(AUTH_TOKEN, URL_WITH_QUERY, { CallSid: 'CA1234567890ABCDE' }));
  assert.ok(validateTwilioSignature(AUTH_TOKEN, signature, url, {}));
  assert.ok(!validateTwilioSignature(AUTH_TOKEN, signature, URL_WITH_QUERY, {}));
});

test('validates the published vectors and refuses tampering', () => {
  assert.ok(validateTwilioSignature(AUTH_TOKEN, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', URL_WITH_QUERY, PARAMS));
  assert.ok(!validateTwilioSignature(AUTH_TOKEN, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', URL_WITH_QUERY, { ...PARAMS, Digits: '1235' }));
  assert.ok(!validateTwilioSignature('54321', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', URL_WITH_QUERY, PARAMS));
  assert.ok(!validateTwilioSignature(AUTH_TOKEN, '', URL_WITH_QUERY, PARAMS));
  assert.ok(!validateTwilioSignature(AUTH_TOKEN, 'RSOYDt4T1cUTdK1PDd93/VVr8B8', URL_WITH_QUERY, PARAMS));
});

test('validation tries the URL without its port and with the default port, like Twilio validators', () => {
  // twilio-python: validation_removes_port_on_https / _on_http, validation_adds_port_on_https / _on_http.
  assert.ok(validateTwilioSignature(AUTH_TOKEN, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'https://mycompany.com:1234/myapp.php?foo=1&bar=2', PARAMS));
  assert.ok(validateTwilioSignature(AUTH_TOKEN, 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=', 'http://mycompany.com:1234/myapp.php?foo=1&bar=2', PARAMS));
  assert.ok(validateTwilioSignature(AUTH_TOKEN, 'kvajT1Ptam85bY51eRf/AJRuM3w=', URL_WITH_QUERY, PARAMS));
  assert.ok(validateTwilioSignature(AUTH_TOKEN, '0ZXoZLH/DfblKGATFgpif+LLRf4=', 'http://mycompany.com/myapp.php?foo=1&bar=2', PARAMS));
  // A different non-default port is not one of the variants.
  assert.ok(!validateTwilioSignature(AUTH_TOKEN, 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=', 'http://mycompany.com:8080/myapp.php?foo=1&bar=2', PARAMS));
});

test('port variants leave IPv6 literals and user info intact', () => {
  const signedWithPort = twilioSignature(AUTH_TOKEN, 'http://user:pw@[::1]:80/hook', {});
  assert.ok(validateTwilioSignature(AUTH_TOKEN, signedWithPort, 'http://user:pw@[::1]/hook', {}));
  const signedWithoutPort = twilioSignature(AUTH_TOKEN, 'http://[::1]/hook', {});
  assert.ok(validateTwilioSignature(AUTH_TOKEN, signedWithoutPort, 'http://[::1]:8080/hook', {}));
});
