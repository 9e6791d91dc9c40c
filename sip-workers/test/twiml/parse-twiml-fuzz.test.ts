// Bounded, deterministic fuzzing of what a customer's webhook answers: seeded mutations of real
// TwiML documents must never throw, and whatever parses must hold the promises the call flow relies
// on (URLs absolute http(s), timeouts in range, a <Dial> naming someone).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTwiml } from '../../src/twiml/parse-twiml.ts';
import type { TwimlVerb } from '../../src/twiml/twiml-verbs.ts';
import { mutate, prng } from '../sip/mutations.ts';

const ITERATIONS = 20_000;
const DOCUMENT_URL = 'https://app.example.com/voice/incoming';

const CORPUS = [
  '<?xml version="1.0" encoding="UTF-8"?><Response><Dial timeout="20" callerId="+85512000111" action="/after" method="GET"><Number>+85597000111</Number></Dial></Response>',
  '<Response><Dial answerOnBridge="true"><Sip username="u" password="p&amp;q">sip:agent@pbx.example.com;transport=tcp</Sip><Client><Identity>alice</Identity></Client></Dial><Hangup/></Response>',
  '<Response><Pause length="3"/><Redirect method="POST">https://other.example.com/next?x=1&amp;y=2</Redirect></Response>',
  '<Response><Reject reason="busy"/></Response>',
  '<Response><!-- a comment --><Say voice="alice">Hello &#x263A;</Say><Dial>+85597000111</Dial><![CDATA[ignored]]></Response>',
  '<Response><Dial><Number>+1</Number><Number>+2</Number><Sip>sips:x@y</Sip></Dial><Play>https://x/y.mp3</Play><Reject/></Response>',
];

function checkVerb(verb: TwimlVerb): void {
  const absoluteHttp = (url: string) => assert.match(url, /^https?:/i, `an absolute http(s) URL: ${url}`);
  switch (verb.verb) {
    case 'Dial':
      assert.ok(verb.targets.length > 0, '<Dial> names someone');
      assert.ok(verb.timeout >= 1 && verb.timeout <= 600, `timeout ${verb.timeout} in range`);
      if (verb.action !== undefined) absoluteHttp(verb.action);
      for (const target of verb.targets) if (target.noun === 'Sip') assert.match(target.uri, /^sips?:/i);
      break;
    case 'Redirect':
      absoluteHttp(verb.url);
      break;
    case 'Pause':
      assert.ok(verb.length >= 1 && verb.length <= 600, `length ${verb.length} in range`);
      break;
    default:
  }
}

test(`fuzz: ${ITERATIONS} seeded mutations of TwiML documents never throw, and what parses is usable`, () => {
  const random = prng(2023);
  let parsed = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const original = Buffer.from(CORPUS[i % CORPUS.length] ?? '', 'latin1');
    const text = mutate(original, random).toString(i % 2 === 0 ? 'latin1' : 'utf8');
    let result: ReturnType<typeof parseTwiml>;
    try {
      result = parseTwiml(text, DOCUMENT_URL);
    } catch (error) {
      assert.fail(`iteration ${i} threw on ${JSON.stringify(text.slice(0, 300))}: ${String(error)}`);
    }
    if (!result.ok) continue;
    parsed++;
    for (const verb of result.document.verbs) checkVerb(verb);
  }
  // Mutations that keep a document well-formed are what reach the verb readers.
  assert.ok(parsed > ITERATIONS / 10, `${parsed} mutated documents still parsed`);
});

test('nesting far past TwiML\'s three levels is refused, not recursed into', () => {
  const deep = `<Response>${'<Dial>'.repeat(100_000)}${'</Dial>'.repeat(100_000)}</Response>`;
  const result = parseTwiml(deep, DOCUMENT_URL);
  assert.equal(result.ok, false);
});
