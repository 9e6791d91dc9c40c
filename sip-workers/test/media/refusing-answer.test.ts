// The answer that refuses an offer's streams: one m-line per offered stream, same media, protocol
// and formats, port 0 (RFC 3264 §6), so the party's SDP stack accepts it as an answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'sdp-transform';
import { refusingAnswer } from '../../src/media/refusing-answer.ts';

test('every offered stream comes back with port 0, in order, with its protocol and formats', () => {
  const offer = Buffer.from('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\nm=video 4002/2 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n');
  const answer = parse(refusingAnswer(offer).toString());
  assert.deepEqual(answer.media.map((m) => [m.type, m.port, m.protocol, String(m.payloads)]), [['audio', 0, 'RTP/AVP', '0 8 101'], ['video', 0, 'RTP/AVP', '96']]);
  assert.equal(answer.version, 0);
});

test('an offer written with bare newlines is read too', () => {
  const answer = parse(refusingAnswer(Buffer.from('v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n')).toString());
  assert.equal(answer.media.length, 1);
  assert.equal(answer.media[0]?.port, 0);
});
