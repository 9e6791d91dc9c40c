import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTwiml } from '../../src/twiml/parse-twiml.ts';
import { rejectStatus } from '../../src/twiml/reject-status.ts';
import type { TwimlDocument, TwimlError, TwimlVerb } from '../../src/twiml/twiml-verbs.ts';

const DOCUMENT_URL = 'https://app.acme.example/voice/incoming?tenant=7';

function twiml(body: string): TwimlDocument {
  const parsed = parseTwiml(`<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`, DOCUMENT_URL);
  assert.ok(parsed.ok, `expected to parse: ${parsed.ok ? '' : parsed.error.detail}`);
  return parsed.document;
}

function verbs(body: string): readonly TwimlVerb[] {
  return twiml(body).verbs;
}

function only(body: string): TwimlVerb {
  const list = verbs(body);
  assert.equal(list.length, 1);
  return list[0] as TwimlVerb;
}

function failure(xml: string): TwimlError {
  const parsed = parseTwiml(xml, DOCUMENT_URL);
  assert.ok(!parsed.ok, `expected ${xml} to fail`);
  return parsed.error;
}

test('Dial with defaults: timeout 30, POST, no callerId or action, not answerOnBridge', () => {
  assert.deepEqual(only('<Dial><Number>+85523999000</Number></Dial>'), {
    verb: 'Dial', targets: [{ noun: 'Number', number: '+85523999000' }], timeout: 30, method: 'POST', answerOnBridge: false,
  });
});

test('Dial attributes: callerId, timeout, action (resolved), method, answerOnBridge; hangupOnStar ignored', () => {
  const dial = only(
    '<Dial callerId="+85512345678" timeout="12" action="/voice/after-dial" method="get" answerOnBridge="true" hangupOnStar="true">'
    + '<Number>+85523999000</Number></Dial>',
  );
  assert.deepEqual(dial, {
    verb: 'Dial',
    targets: [{ noun: 'Number', number: '+85523999000' }],
    callerId: '+85512345678',
    timeout: 12,
    action: 'https://app.acme.example/voice/after-dial',
    method: 'GET',
    answerOnBridge: true,
  });
});

test('Dial timeLimit: seconds the connected call may last, absent unless given; out of range clamped, unreadable Twilio\'s 4 hours, each with a warning', () => {
  const limited = only('<Dial timeLimit="90"><Number>+85523999000</Number></Dial>');
  assert.ok(limited.verb === 'Dial');
  assert.equal(limited.timeLimit, 90);
  const unlimited = only('<Dial><Number>+85523999000</Number></Dial>');
  assert.ok(unlimited.verb === 'Dial' && !('timeLimit' in unlimited), 'the worker\'s own limit applies');
  const document = twiml('<Dial timeLimit="0">+85523999000</Dial><Dial timeLimit="a while">+85523999000</Dial><Dial timeLimit="100000">+85523999000</Dial>');
  assert.deepEqual(document.verbs.map((verb) => (verb.verb === 'Dial' ? verb.timeLimit : undefined)), [1, 14_400, 86_400]);
  assert.equal(document.warnings.length, 3);
  assert.match(document.warnings[1] ?? '', /timeLimit="a while"/);
});

test('a Dial noun\'s statusCallback (resolved), statusCallbackMethod and statusCallbackEvent; completed alone by default; an unusable URL or unknown event left out with a warning', () => {
  const document = twiml(
    '<Dial>'
    + '<Number statusCallback="/child" statusCallbackMethod="get" statusCallbackEvent="initiated ringing answered completed">+85523999000</Number>'
    + '<Sip statusCallback="https://other.example/sip-status">sip:bob@pbx.acme.example</Sip>'
    + '<Client statusCallback="/child" statusCallbackEvent="ringing bogus">alice</Client>'
    + '<Number statusCallback="ftp://nowhere/">+85523999001</Number>'
    + '</Dial>',
  );
  const dial = document.verbs[0];
  assert.ok(dial?.verb === 'Dial');
  const callbacks = dial.targets.map((target) => (target.noun === 'Unsupported' ? undefined : target.statusCallback));
  assert.deepEqual(callbacks, [
    { url: 'https://app.acme.example/child', method: 'GET', events: new Set(['initiated', 'ringing', 'answered', 'completed']) },
    { url: 'https://other.example/sip-status', method: 'POST', events: new Set(['completed']) },
    { url: 'https://app.acme.example/child', method: 'POST', events: new Set(['ringing']) },
    undefined,
  ]);
  assert.equal(document.warnings.length, 2);
  assert.match(document.warnings[0] ?? '', /statusCallbackEvent.*bogus/);
  assert.match(document.warnings[1] ?? '', /statusCallback.*ftp/);
});

test('a bare number as Dial text is one Number noun', () => {
  assert.deepEqual(only('<Dial timeout="20">\n  +85523999000\n</Dial>'), {
    verb: 'Dial', targets: [{ noun: 'Number', number: '+85523999000' }], timeout: 20, method: 'POST', answerOnBridge: false,
  });
});

test('Dial nouns in order: Number, Sip with credentials, Client by text and by Identity, unsupported nouns', () => {
  const dial = only(
    '<Dial>'
    + '<Number sendDigits="ww1">+85523999000</Number>'
    + '<Sip username="trunk" password="s3cret &amp; more">sip:bob@pbx.acme.example;transport=tcp</Sip>'
    + '<Sip>sips:carol@pbx.acme.example</Sip>'
    + '<Client>alice</Client>'
    + '<Client><Identity>dave</Identity><Parameter name="k" value="v"/></Client>'
    + '<Conference>room-1</Conference>'
    + '</Dial>',
  );
  assert.ok(dial.verb === 'Dial');
  assert.deepEqual(dial.targets, [
    { noun: 'Number', number: '+85523999000' },
    { noun: 'Sip', uri: 'sip:bob@pbx.acme.example;transport=tcp', username: 'trunk', password: 's3cret & more' },
    { noun: 'Sip', uri: 'sips:carol@pbx.acme.example' },
    { noun: 'Client', identity: 'alice' },
    { noun: 'Client', identity: 'dave' },
    { noun: 'Unsupported', name: 'Conference' },
  ]);
});

test('Reject: rejected by default, busy when asked, unknown reasons fall back with a warning', () => {
  assert.deepEqual(only('<Reject/>'), { verb: 'Reject', reason: 'rejected' });
  assert.deepEqual(only('<Reject reason="busy"/>'), { verb: 'Reject', reason: 'busy' });
  const document = twiml('<Reject reason="nope"/>');
  assert.deepEqual(document.verbs, [{ verb: 'Reject', reason: 'rejected' }]);
  assert.match(document.warnings[0] ?? '', /reason="nope"/);
});

test('Reject maps to the SIP statuses Twilio documents for SIP calls', () => {
  assert.deepEqual(rejectStatus('busy'), { status: 486, reason: 'Busy Here', callStatus: 'busy' });
  assert.deepEqual(rejectStatus('rejected'), { status: 404, reason: 'Not Found', callStatus: 'no-answer' });
});

test('Hangup and Pause (length defaults to 1)', () => {
  assert.deepEqual(verbs('<Pause/><Pause length="5"/><Hangup/>'), [
    { verb: 'Pause', length: 1 }, { verb: 'Pause', length: 5 }, { verb: 'Hangup' },
  ]);
});

test('Redirect: relative URLs resolve against the document URL, absolute ones are kept as written', () => {
  const cases: [string, string][] = [
    ['next', 'https://app.acme.example/voice/next'],
    ['/other/path?x=1', 'https://app.acme.example/other/path?x=1'],
    ['../menu', 'https://app.acme.example/menu'],
    ['?step=2', 'https://app.acme.example/voice/incoming?step=2'],
    ['//cdn.acme.example/t.xml', 'https://cdn.acme.example/t.xml'],
    ['https://Other.example:8443/a%20b?q=it\'s', 'https://Other.example:8443/a%20b?q=it\'s'],
  ];
  for (const [reference, expected] of cases) {
    assert.deepEqual(only(`<Redirect>${reference}</Redirect>`), { verb: 'Redirect', url: expected, method: 'POST' }, reference);
  }
  assert.deepEqual(only('<Redirect method="GET"> next </Redirect>'), { verb: 'Redirect', url: 'https://app.acme.example/voice/next', method: 'GET' });
});

test('Redirect: an absolute URL the request cannot carry as written (a line break, a space) is the parsed URL, which is what gets signed', () => {
  const cases: [string, string][] = [
    ['http\n://other.example/next', 'http://other.example/next'],
    ['https://other.example/a b', 'https://other.example/a%20b'],
    ['https://other.example/caf\u00e9', 'https://other.example/caf%C3%A9'],
  ];
  for (const [reference, expected] of cases) {
    assert.deepEqual(only(`<Redirect>${reference}</Redirect>`), { verb: 'Redirect', url: expected, method: 'POST' }, JSON.stringify(reference));
  }
});

test('entities and CDATA in verb text decode before use', () => {
  assert.deepEqual(only('<Redirect>/next?a=1&amp;b=2</Redirect>'), { verb: 'Redirect', url: 'https://app.acme.example/next?a=1&b=2', method: 'POST' });
  assert.deepEqual(only('<Dial><Number><![CDATA[+85523999000]]></Number></Dial>'), {
    verb: 'Dial', targets: [{ noun: 'Number', number: '+85523999000' }], timeout: 30, method: 'POST', answerOnBridge: false,
  });
});

test('unsupported verbs are kept in order by name', () => {
  assert.deepEqual(verbs('<Say>Hello</Say><Play>https://x/a.mp3</Play><Gather input="dtmf"/><Dial>+85523999000</Dial><Record/>').map((verb) => verb.verb === 'Unsupported' ? verb.name : verb.verb), [
    'Say', 'Play', 'Gather', 'Dial', 'Record',
  ]);
  assert.deepEqual(verbs('<Say>Hello</Say>')[0], { verb: 'Unsupported', name: 'Say' });
});

test('an empty Response is valid and holds no verbs', () => {
  assert.deepEqual(twiml('').verbs, []);
  const parsed = parseTwiml('<Response/>', DOCUMENT_URL);
  assert.ok(parsed.ok && parsed.document.verbs.length === 0);
});

test('malformed attribute values fall back to Twilio defaults, with warnings', () => {
  const document = twiml('<Dial timeout="soon" method="PUT" answerOnBridge="yes">+85523999000</Dial><Dial timeout="9000">+85523999000</Dial><Pause length="-3"/>');
  assert.deepEqual(document.verbs.map((verb) => verb.verb === 'Dial' ? [verb.timeout, verb.method, verb.answerOnBridge] : verb), [
    [30, 'POST', false], [600, 'POST', false], { verb: 'Pause', length: 1 },
  ]);
  assert.equal(document.warnings.length, 5);
});

test('documents that are not TwiML are errors, never exceptions', () => {
  assert.equal(failure('<Response><Dial></Response>').kind, 'xml');
  assert.equal(failure('{"error": "oops"}').kind, 'xml');
  assert.equal(failure('<html><body>Internal Server Error</body></html>').kind, 'root');
  assert.equal(failure('<response><Hangup/></response>').kind, 'root');
  assert.equal(failure('<!DOCTYPE Response [<!ENTITY x "y">]><Response/>').kind, 'xml');
});

test('verbs that cannot be carried out make the document an error', () => {
  const cases: [string, RegExp][] = [
    ['<Redirect/>', /no URL/],
    ['<Redirect>javascript:alert(1)</Redirect>', /not an http or https URL/],
    ['<Redirect>ftp://files.example/t.xml</Redirect>', /not an http or https URL/],
    ['<Dial/>', /names no one/],
    ['<Dial><Number> </Number></Dial>', /<Number> is empty/],
    ['<Dial><Sip>bob@pbx.acme.example</Sip></Dial>', /not a sip: or sips: URI/],
    ['<Dial><Client/></Dial>', /no identity/],
    ['<Dial action="mailto:ops@acme.example">+85523999000</Dial>', /<Dial action>/],
  ];
  for (const [body, expected] of cases) {
    const error = failure(`<Response>${body}</Response>`);
    assert.equal(error.kind, 'verb', body);
    assert.match(error.detail, expected, body);
  }
});

test('every prefix of a valid document parses or fails as a value', () => {
  const xml = '<?xml version="1.0"?><Response><Dial callerId="+1"><Sip username="u">sip:a@b</Sip></Dial><!-- c --><Redirect>/n?a=1&amp;b=2</Redirect></Response>';
  for (let end = 0; end <= xml.length; end++) {
    const parsed = parseTwiml(xml.slice(0, end), DOCUMENT_URL);
    assert.equal(parsed.ok, end === xml.length, `prefix of length ${end}`);
  }
});
