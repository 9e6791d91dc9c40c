// A few seconds of PCMU (a 440 Hz tone, 20 ms packets) as a pcap file, for SIPp's
// play_pcap_audio: SIPp keeps the RTP and rewrites the addresses, so those in the file are
// placeholders. Written per test run rather than shipped, so no binary sits in git.
import { writeFile } from 'node:fs/promises';

const samplesPerPacket = 160;
const packetMs = 20;

/** G.711 μ-law of one 16-bit linear sample (ITU-T G.711, the usual bias-and-segment form). */
function muLaw(sample: number): number {
  const bias = 0x84;
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), 32635) + bias;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = sign | (exponent << 4) | mantissa;
  return ~magnitude & 0xff;
}

function rtpPacket(sequence: number): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80; // version 2
  header[1] = 0; // payload type 0, PCMU
  header.writeUInt16BE(sequence & 0xffff, 2);
  header.writeUInt32BE((sequence * samplesPerPacket) >>> 0, 4);
  header.writeUInt32BE(0x5ca1ab1e, 8);
  const payload = Buffer.alloc(samplesPerPacket);
  for (let i = 0; i < samplesPerPacket; i++) {
    const t = (sequence * samplesPerPacket + i) / 8000;
    payload[i] = muLaw(Math.round(8000 * Math.sin(2 * Math.PI * 440 * t)));
  }
  return Buffer.concat([header, payload]);
}

/** Ethernet + IPv4 + UDP around one RTP packet (checksums zero: SIPp recomputes what it sends). */
function frame(rtp: Buffer): Buffer {
  const ethernet = Buffer.alloc(14);
  ethernet.writeUInt16BE(0x0800, 12);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + rtp.length, 2);
  ip[8] = 64;
  ip[9] = 17; // UDP
  ip.set([127, 0, 0, 1], 12);
  ip.set([127, 0, 0, 1], 16);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(40002, 2);
  udp.writeUInt16BE(8 + rtp.length, 4);
  return Buffer.concat([ethernet, ip, udp, rtp]);
}

/** Writes `seconds` of tone to `file`; returns the number of RTP packets in it. */
export async function writePcmuPcap(file: string, seconds: number): Promise<number> {
  const count = Math.round((seconds * 1000) / packetMs);
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const records: Buffer[] = [global];
  for (let sequence = 0; sequence < count; sequence++) {
    const data = frame(rtpPacket(sequence));
    const record = Buffer.alloc(16);
    const micros = sequence * packetMs * 1000;
    record.writeUInt32LE(Math.floor(micros / 1e6), 0);
    record.writeUInt32LE(micros % 1e6, 4);
    record.writeUInt32LE(data.length, 8);
    record.writeUInt32LE(data.length, 12);
    records.push(record, data);
  }
  await writeFile(file, Buffer.concat(records));
  return count;
}
