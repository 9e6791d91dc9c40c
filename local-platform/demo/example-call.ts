// The call `make run` offers to place: SIPp from 127.0.0.1 (an address the example InboundTrunk
// admits) to an example number, dialled the way that trunk's carrier sends it (national form when
// the trunk turns national numbers into E.164).
import { countryNumbering } from '../../operator/src/compile/country.ts';

export interface NumberObject {
  metadata: { name: string; namespace?: string };
  spec: { carrierRef: { name: string }; number: string; type?: string; enabled?: boolean; accountRef?: { name: string } };
}

export interface TrunkObject {
  metadata: { name: string; namespace?: string };
  spec: { carrierRef: { name: string }; sourceIPs: string[]; numberNormalization?: { nationalToE164?: boolean; stripPrefix?: string; addPrefix?: string } };
}

export interface ExampleCall {
  /** The Request-URI user SIPp sends. */
  dialled: string;
  number: string;
  trunk: string | undefined;
  note?: string;
}

const callerAddress = '127.0.0.1';

const ipv4 = (ip: string) => (/^\d+\.\d+\.\d+\.\d+$/.test(ip) ? ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0) : undefined);

/** Whether a trunk source (address or CIDR) admits 127.0.0.1. */
function admitsLoopback(source: string): boolean {
  const [address = '', bits = '32'] = source.split('/');
  const network = ipv4(address);
  const caller = ipv4(callerAddress) ?? 0;
  const size = 2 ** (32 - Number(bits));
  return network !== undefined && Number(bits) <= 32 && Math.floor(network / size) === Math.floor(caller / size);
}

/** The first enabled, assigned E.164 number of the Carrier (by name), and how the loopback trunk wants it. */
export function exampleCall(carrier: { name: string; namespace: string; country: string }, numbers: NumberObject[], trunks: TrunkObject[]): ExampleCall | undefined {
  const ofCarrier = (item: { metadata: { namespace?: string }; spec: { carrierRef: { name: string } } }) => item.spec.carrierRef.name === carrier.name && (item.metadata.namespace ?? 'default') === carrier.namespace;
  const candidate = numbers
    .filter((item) => ofCarrier(item) && item.spec.enabled !== false && item.spec.accountRef && item.spec.number.startsWith('+'))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))[0];
  if (!candidate) return undefined;
  const number = candidate.spec.number;
  const trunk = trunks.find((item) => ofCarrier(item) && item.spec.sourceIPs.some(admitsLoopback));
  if (!trunk) return { dialled: number, number, trunk: undefined, note: `no InboundTrunk of Carrier ${carrier.name} admits ${callerAddress}: this call will be refused (403)` };
  const { callingCode, nationalPrefix } = countryNumbering(carrier.country);
  const national = trunk.spec.numberNormalization?.nationalToE164 && callingCode && number.startsWith(`+${callingCode}`);
  return { dialled: national ? `${nationalPrefix}${number.slice(callingCode.length + 1)}` : number, number, trunk: trunk.metadata.name };
}

/** A SIPp command line placing one call with the built-in UAC scenario; it exits 0 when the call completed. */
export function sippCallerCommand(sip: { ip: string; port: number }, dialled: string): string {
  return ['sipp', '-sn', 'uac', '-s', dialled, `${sip.ip}:${sip.port}`, '-i', callerAddress, '-m', '1', '-nostdin', '-recv_timeout', '10000', '-timeout', '30', '-timeout_error'].join(' ');
}
