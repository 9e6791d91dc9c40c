// Realistic messages shared by the parser, fuzz and framer tests.

function wire(lines: string[], body = ''): Buffer {
  const head = lines.map((l) => (l === 'Content-Length:' || l === 'l:' ? `${l} ${Buffer.byteLength(body)}` : l));
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

const SDP = [
  'v=0',
  'o=- 2890844526 2890844526 IN IP4 198.51.100.7',
  's=-',
  'c=IN IP4 198.51.100.7',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=sendrecv',
  '',
].join('\r\n');

export const INVITE = wire(
  [
    'INVITE sip:+14155550100@carrier.example.net;user=phone SIP/2.0',
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'To: <sip:+14155550100@carrier.example.net;user=phone>',
    'From: "Alice Example" <sip:alice@pbx.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pbx.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@198.51.100.7:5060;transport=udp>',
    'Record-Route: <sip:proxy.example.com;lr>',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS',
    'Supported: timer, 100rel',
    'Content-Type: application/sdp',
    'Content-Length:',
  ],
  SDP,
);

export const REGISTER = wire([
  'REGISTER sip:registrar.example.com SIP/2.0',
  'Via: SIP/2.0/TCP 203.0.113.9:49152;branch=z9hG4bKnashds7',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@example.com>',
  'From: Bob <sip:bob@example.com>;tag=456248',
  'Call-ID: 843817637684230@998sdasdh09',
  'CSeq: 1826 REGISTER',
  'Contact: <sip:bob@203.0.113.9:49152;transport=tcp>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"',
  'Authorization: Digest username="bob", realm="example.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:registrar.example.com", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, qop=auth, nc=00000001, cnonce="0a4f113b"',
  'Expires: 7200',
  'Content-Length:',
]);

export const OK_200 = wire(
  [
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK776asdhds;received=192.0.2.4;rport=5062',
    'To: <sip:+14155550100@carrier.example.net;user=phone>;tag=a6c85cf',
    'From: "Alice Example" <sip:alice@pbx.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pbx.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:gw1@192.0.2.50:5060>',
    'Record-Route: <sip:proxy.example.com;lr>',
    'Content-Type: application/sdp',
    'Content-Length:',
  ],
  SDP,
);

export const UNAUTHORIZED_401 = wire([
  'SIP/2.0 401 Unauthorized',
  'Via: SIP/2.0/TCP 203.0.113.9:49152;branch=z9hG4bKnashds7;received=192.0.2.201',
  'To: Bob <sip:bob@example.com>;tag=2493k59kd',
  'From: Bob <sip:bob@example.com>;tag=456248',
  'Call-ID: 843817637684230@998sdasdh09',
  'CSeq: 1826 REGISTER',
  'WWW-Authenticate: Digest realm="example.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm=MD5',
  'Content-Length:',
]);

export const BYE = wire([
  'BYE sip:gw1@192.0.2.50:5060 SIP/2.0',
  'v: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKnashds10',
  'Max-Forwards: 70',
  'Route: <sip:proxy.example.com;lr>',
  'f: "Alice Example" <sip:alice@pbx.example.com>;tag=1928301774',
  't: <sip:+14155550100@carrier.example.net;user=phone>;tag=a6c85cf',
  'i: a84b4c76e66710@pbx.example.com',
  'CSeq: 314160 BYE',
  'l:',
]);

export const OPTIONS = wire([
  'OPTIONS sip:carrier.example.net SIP/2.0',
  'Via: SIP/2.0/UDP [2001:db8::7]:5060;branch=z9hG4bKhjhs8ass877',
  'Max-Forwards: 70',
  'To: <sip:carrier.example.net>',
  'From: <sip:ping@[2001:db8::7]>;tag=1928301774',
  'Call-ID: 7a8c4b4e@2001:db8::7',
  'CSeq: 63104 OPTIONS',
  'Accept: application/sdp',
  'Content-Length:',
]);

export const CANCEL = wire([
  'CANCEL sip:+14155550100@carrier.example.net;user=phone SIP/2.0',
  'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: <sip:+14155550100@carrier.example.net;user=phone>',
  'From: "Alice Example" <sip:alice@pbx.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pbx.example.com',
  'CSeq: 314159 CANCEL',
  'Content-Length:',
]);

export const CORPUS: ReadonlyArray<[string, Buffer]> = [
  ['INVITE', INVITE],
  ['REGISTER', REGISTER],
  ['200', OK_200],
  ['401', UNAUTHORIZED_401],
  ['BYE', BYE],
  ['OPTIONS', OPTIONS],
  ['CANCEL', CANCEL],
];
