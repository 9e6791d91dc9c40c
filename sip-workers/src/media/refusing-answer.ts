// An answer that refuses every stream of an offer (RFC 3264 §6: each m-line again, port 0). A
// party that put its offer in a 2xx must get an answer in our ACK (RFC 3261 §13.2.2.4) even when
// we will not bridge it to anyone: this is that answer, sent just before the BYE.
const MEDIA_LINE = /^m=(\S+) \d+(?:\/\d+)? (\S+)(.*)$/;

export function refusingAnswer(offer: Buffer): Buffer {
  const streams = offer
    .toString('utf8')
    .split(/\r?\n/)
    .map((line) => MEDIA_LINE.exec(line))
    .filter((match) => match !== null)
    .map(([, media, proto, formats]) => `m=${media} 0 ${proto}${formats}`);
  const lines = ['v=0', `o=- ${Date.now()} 1 IN IP4 0.0.0.0`, 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', ...streams];
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}
