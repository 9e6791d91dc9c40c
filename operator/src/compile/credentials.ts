// Account identities and digest credentials. HA1 follows RFC 2617/Bandwidth: with the composite
// username U (`user`, or `user@domain` when a domain is set), Hash1 = MD5(U:realm:password) and
// Hash1b = MD5(U@realm:realm:password). Passwords go in, only hashes come out.
import { createHash } from 'node:crypto';
import type { DigestCredential } from '../../../api/routing/schema.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

export function compositeUsername(username: string, domain?: string): string {
  return domain ? `${username}@${domain}` : username;
}

export function digestCredential(username: string, realm: string, password: string): DigestCredential {
  return { username, realm, ha1: md5(`${username}:${realm}:${password}`), ha1b: md5(`${username}@${realm}:${realm}:${password}`) };
}

/**
 * The Account SID is derived from the Account's UID: stable for the object's whole life, identical
 * after an operator restart, and needing no stored state. It is an identifier, not a secret.
 */
export function accountSID(uid: string): string {
  return `AC${createHash('sha256').update(`switchyard/account-sid/${uid}`).digest('hex').slice(0, 32)}`;
}

/** A new auth token: 32 hex digits, like Twilio's. Only ever created once per Account. */
export const newAuthToken = (randomBytes: (size: number) => Uint8Array) => Buffer.from(randomBytes(16)).toString('hex');
