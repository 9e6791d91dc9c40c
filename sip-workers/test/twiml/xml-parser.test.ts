import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childElements, ownText, parseXml } from '../../src/twiml/xml-parser.ts';
import type { XmlElement } from '../../src/twiml/xml-parser.ts';

function root(text: string): XmlElement {
  const parsed = parseXml(text);
  assert.ok(parsed.ok, `expected to parse: ${parsed.ok ? '' : parsed.error.detail}`);
  return parsed.root;
}

function refusal(text: string): string {
  const parsed = parseXml(text);
  assert.ok(!parsed.ok, `expected ${JSON.stringify(text)} to be refused`);
  return parsed.error.detail;
}

test('elements, attributes in either quote, text and self-closing tags', () => {
  const doc = root(`<?xml version="1.0" encoding="UTF-8"?>\n<A x="1" y='two'><B/>text<C z = "3">inner</C></A>\n`);
  assert.equal(doc.name, 'A');
  assert.deepEqual([...doc.attributes], [['x', '1'], ['y', 'two']]);
  const [b, c] = childElements(doc);
  assert.equal(b?.name, 'B');
  assert.equal(b?.children.length, 0);
  assert.equal(c?.attributes.get('z'), '3');
  assert.equal(c === undefined ? undefined : ownText(c), 'inner');
  assert.equal(ownText(doc), 'text');
});

test('the five predefined entities and decimal and hex character references decode', () => {
  const doc = root('<A v="&quot;&apos;&lt;&gt;&amp;">&lt;x&gt; &amp; &#65;&#x42;&#x1F600;</A>');
  assert.equal(doc.attributes.get('v'), `"'<>&`);
  assert.equal(ownText(doc), '<x> & AB\u{1F600}');
});

test('CDATA is literal text; comments and processing instructions vanish', () => {
  const doc = root('<!-- lead --><A><![CDATA[<Hangup/> & more]]><!-- inside --><?pi data?>tail</A><!-- trail -->');
  assert.equal(ownText(doc), '<Hangup/> & moretail');
  assert.equal(childElements(doc).length, 0);
});

test('attribute whitespace is normalised to spaces; a byte order mark is skipped', () => {
  assert.equal(root('\uFEFF<A v="a\tb\nc"/>').attributes.get('v'), 'a b c');
});

test('DOCTYPE and entity declarations are refused, so nothing can expand or be fetched', () => {
  assert.match(refusal('<!DOCTYPE lolz [<!ENTITY lol "lol">]><A>&lol;</A>'), /document type/);
  assert.match(refusal('<!DOCTYPE A SYSTEM "file:///etc/passwd"><A/>'), /document type/);
  assert.match(refusal('<A><!ENTITY x "y"></A>'), /markup declarations/);
  assert.match(refusal('<A>&lol;</A>'), /unknown or invalid reference/);
});

test('malformed documents are values, never exceptions', () => {
  const cases: [string, RegExp][] = [
    ['', /root element/],
    ['just text', /root element/],
    ['<A>', /not closed/],
    ['<A></B>', /<\/B> closes <A>/],
    ['<A><B></A></B>', /<\/A> closes <B>/],
    ['<A/><B/>', /after the root/],
    ['<A x="1" x="2"/>', /repeated/],
    ['<A x=1/>', /quoted/],
    ['<A x="a<b"/>', /'<'/],
    ['<A x="1"y="2"/>', /whitespace before an attribute/],
    ['<A>a & b</A>', /reference/],
    ['<A>&#0;</A>', /reference/],
    ['<A>&#xD800;</A>', /reference/],
    ['<A>]]></A>', /']]>'/],
    ['<A><!-- a -- b --></A>', /'--'/],
    ['<A><![CDATA[open</A>', /CDATA/],
    ['<1A/>', /name/],
  ];
  for (const [text, expected] of cases) assert.match(refusal(text), expected, text);
});

test('nesting is bounded', () => {
  const deep = '<A>'.repeat(40) + '</A>'.repeat(40);
  assert.match(refusal(deep), /nested deeper than 32/);
  const parsed = parseXml(deep, { maxDepth: 64 });
  assert.ok(parsed.ok);
});

test('the error offset points where parsing stopped', () => {
  const parsed = parseXml('<A><B></C></A>');
  assert.ok(!parsed.ok);
  assert.equal(parsed.error.offset, '<A><B></C'.length);
});
