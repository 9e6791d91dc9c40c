// Reading Calls.json's form as Twilio reads it: defaults, the numbers and URIs To may be, and the
// error codes a Twilio helper library expects for what is missing or malformed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PlacedCallRequest } from '../../src/calls/placed-call.ts';
import { createCallRequest } from '../../src/rest-api/create-call-request.ts';
import type { TwilioError } from '../../src/rest-api/twilio-error.ts';

const account = { name: 'clinic', sid: `AC${'1'.repeat(32)}`, authToken: 'token' };
const read = (params: Record<string, string>) => createCallRequest(new URLSearchParams(params), account);
const placed = (params: Record<string, string>): PlacedCallRequest => {
  const result = read(params);
  assert.ok(!('code' in result), `refused: ${JSON.stringify(result)}`);
  return result;
};
const refused = (params: Record<string, string>): TwilioError => {
  const result = read(params);
  assert.ok('code' in result, `accepted: ${JSON.stringify(result)}`);
  return result;
};
const minimal = { To: '+85597000111', From: '+85523900100', Url: 'https://app.example/voice' };

describe('Calls.json parameters', () => {
  test('the minimal call: POST to Url, 60 s of ringing, no callbacks', () => {
    assert.deepEqual(placed(minimal), { account, to: '+85597000111', from: '+85523900100', voice: { url: 'https://app.example/voice', method: 'POST' }, timeoutSeconds: 60 });
  });

  test('every optional parameter is read, methods case-insensitively', () => {
    const request = placed({
      ...minimal, Method: 'get', FallbackUrl: 'https://app.example/fallback', FallbackMethod: 'GET',
      StatusCallback: 'https://app.example/status', StatusCallbackMethod: 'POST', Timeout: '25', SipAuthUsername: 'sipauthtest', SipAuthPassword: 'password',
    });
    assert.deepEqual(request.voice, { url: 'https://app.example/voice', method: 'GET' });
    assert.deepEqual(request.fallback, { url: 'https://app.example/fallback', method: 'GET' });
    assert.deepEqual(request.statusCallback, { url: 'https://app.example/status', method: 'POST' });
    assert.equal(request.timeoutSeconds, 25);
    assert.deepEqual(request.sipAuth, { username: 'sipauthtest', password: 'password' });
  });

  test('StatusCallbackEvent is read once per event or as a space-separated list; an unknown event is 400 with 20001', () => {
    const repeated = createCallRequest(new URLSearchParams([...Object.entries(minimal), ['StatusCallbackEvent', 'initiated'], ['StatusCallbackEvent', 'answered completed']]), account);
    assert.ok(!('code' in repeated));
    assert.deepEqual([...(repeated.statusCallbackEvents ?? [])], ['initiated', 'answered', 'completed']);
    assert.equal(placed(minimal).statusCallbackEvents, undefined, 'absent: the default, completed alone');
    const unknown = refused({ ...minimal, StatusCallbackEvent: 'ringing hangup' });
    assert.equal(unknown.code, 20001);
    assert.match(unknown.message, /"hangup"/);
  });

  test('To may be a formatted number (its punctuation dropped), a national number, or a SIP URI kept as given', () => {
    assert.equal(placed({ ...minimal, To: '+1 (777) 888-9999' }).to, '+17778889999');
    assert.equal(placed({ ...minimal, To: '012345678' }).to, '012345678');
    assert.equal(placed({ ...minimal, To: 'sip:+17778889999@custxx.auth.bandwidth.com:5006' }).to, 'sip:+17778889999@custxx.auth.bandwidth.com:5006');
  });

  test('without a Url, inline Twiml is the call\'s TwiML; with one, the Url wins as in Twilio', () => {
    const inline = placed({ To: minimal.To, From: minimal.From, Twiml: '<Response><Dial><Sip>sip:agent@pbx.example</Sip></Dial></Response>' });
    assert.equal(inline.voice, undefined);
    assert.deepEqual(inline.twiml?.verbs.map((verb) => verb.verb), ['Dial']);
    const both = placed({ ...minimal, Twiml: '<Response><Hangup/></Response>' });
    assert.deepEqual(both.voice, { url: minimal.Url, method: 'POST' });
    assert.equal(both.twiml, undefined);
  });

  test('a Timeout past Twilio\'s 600 s is capped, not refused', () => {
    assert.equal(placed({ ...minimal, Timeout: '3600' }).timeoutSeconds, 600);
  });

  test('a TimeLimit bounds the call from the party\'s answer, capped at a day; without one there is none of the request\'s own', () => {
    assert.equal(placed({ ...minimal, TimeLimit: '90' }).timeLimitSeconds, 90);
    assert.equal(placed({ ...minimal, TimeLimit: '100000' }).timeLimitSeconds, 86_400);
    assert.equal('timeLimitSeconds' in placed(minimal), false);
  });

  const refusals: Array<{ name: string; params: Record<string, string>; code: number }> = [
    { name: 'no To', params: { From: minimal.From, Url: minimal.Url }, code: 21201 },
    { name: 'a To that is neither a number nor a SIP URI', params: { ...minimal, To: 'alice' }, code: 21211 },
    { name: 'no From', params: { To: minimal.To, Url: minimal.Url }, code: 21213 },
    { name: 'neither Url nor Twiml', params: { To: minimal.To, From: minimal.From }, code: 21205 },
    { name: 'Twiml that is not TwiML', params: { To: minimal.To, From: minimal.From, Twiml: '<Response><Dial>' }, code: 400 },
    { name: 'Twiml whose URLs are relative (there is no document URL to resolve them against)', params: { To: minimal.To, From: minimal.From, Twiml: '<Response><Redirect>/next</Redirect></Response>' }, code: 400 },
    { name: 'Twiml past Twilio\'s 4,000 characters', params: { To: minimal.To, From: minimal.From, Twiml: `<Response>${'<Pause/>'.repeat(500)}</Response>` }, code: 400 },
    { name: 'a Url that is not a URL', params: { ...minimal, Url: 'not a url' }, code: 21205 },
    { name: 'a Url that is not http(s)', params: { ...minimal, Url: 'ftp://app.example/voice' }, code: 21205 },
    { name: 'a Method other than GET or POST', params: { ...minimal, Method: 'PUT' }, code: 21205 },
    { name: 'a malformed StatusCallback', params: { ...minimal, StatusCallback: 'nowhere' }, code: 21205 },
    { name: 'a Timeout of 0', params: { ...minimal, Timeout: '0' }, code: 21208 },
    { name: 'a Timeout that is not a whole number', params: { ...minimal, Timeout: '2.5' }, code: 21208 },
    { name: 'a TimeLimit of 0', params: { ...minimal, TimeLimit: '0' }, code: 20001 },
    { name: 'a TimeLimit that is not a number', params: { ...minimal, TimeLimit: 'an hour' }, code: 20001 },
    { name: 'a SipAuthUsername without its password', params: { ...minimal, SipAuthUsername: 'sipauthtest' }, code: 400 },
  ];
  for (const { name, params, code } of refusals) {
    test(`refused with ${code}: ${name}`, () => {
      const error = refused(params);
      assert.equal(error.status, 400);
      assert.equal(error.code, code);
      assert.equal(error.more_info, `https://www.twilio.com/docs/errors/${code}`);
    });
  }
});
