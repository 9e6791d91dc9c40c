// The key a carrier's SIP worker replicas share to sign RFC 5626 flow tokens: with it, a call on
// one replica reaches a phone whose flow another replica holds (its TCP or TLS connection, or its
// UDP address behind NAT), through that replica. Generated once, like an account's auth token,
// and never again: a new key would make the tokens of calls in progress unreadable. Only a
// carrier with a registrar has such phones.
import type { DesiredObject } from './desired.ts';
import { keptCarrierSecret } from './kept-secret.ts';
import { names } from './names.ts';
import type { CarrierObject, ObservedSecret } from './observed.ts';

export const flowTokenKeyField = 'flowTokenKey';

/** The Secret of `carrier`'s key (create-only), or undefined when it needs none. */
export function sipWorkerKeySecret(carrier: CarrierObject, secrets: ReadonlyMap<string, ObservedSecret>, randomBytes: (size: number) => Uint8Array): DesiredObject | undefined {
  if (!carrier.spec.registrar) return undefined;
  // Hex: the worker reads it from an environment variable, which cannot hold arbitrary bytes.
  return keptCarrierSecret(carrier, names.sipWorkerKey(carrier.metadata.name), flowTokenKeyField, secrets, () => Buffer.from(randomBytes(32)).toString('hex')).object;
}
