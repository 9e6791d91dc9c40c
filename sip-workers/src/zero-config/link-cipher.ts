// The sip:phone zero-config launcher link (Sipwise sip:carrier handbook, B.1.1): the string
// "username=U&server=S&password=P", AES-128-CBC with PKCS#7 padding under the app's branding key
// and IV, Base64, behind "sipphone://". The app does no unescaping of the string, so a value with
// "&" in it would be cut short: such credentials are refused rather than silently broken.
import { createCipheriv, createDecipheriv } from 'node:crypto';

export interface ZeroConfigKey {
  /** 16 bytes each: AES-128. */
  key: Uint8Array;
  iv: Uint8Array;
}

export interface ZeroConfigCredentials {
  username: string;
  server: string;
  password: string;
}

/** The sip:phone app's key and IV until a brand sets its own (the handbook's example values). */
export const defaultZeroConfigKey: ZeroConfigKey = { key: Buffer.from('iBmTdavJ8joPW3HO', 'latin1'), iv: Buffer.from('tww21lQe6cmywrp3', 'latin1') };

export const sipphoneScheme = 'sipphone://';

function checkKey({ key, iv }: ZeroConfigKey): void {
  if (key.length !== 16) throw new Error(`the AES-128 key must be 16 bytes, got ${key.length}`);
  if (iv.length !== 16) throw new Error(`the IV must be 16 bytes, got ${iv.length}`);
}

export function zeroConfigPlaintext({ username, server, password }: ZeroConfigCredentials): string {
  for (const [field, value] of Object.entries({ username, server, password })) {
    if (value === '') throw new Error(`${field} is empty`);
    if (/[&\r\n]/.test(value)) throw new Error(`${field} contains "&" or a line break, which the app cannot tell from the next field`);
  }
  return `username=${username}&server=${server}&password=${password}`;
}

/** Base64 of the AES-128-CBC ciphertext (Node pads with PKCS#7, the handbook's padding). */
export function encryptZeroConfig(plaintext: string, secret: ZeroConfigKey = defaultZeroConfigKey): string {
  checkKey(secret);
  const cipher = createCipheriv('aes-128-cbc', secret.key, secret.iv);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** The plaintext of a Base64 ciphertext; throws when it is not one (bad Base64, length or padding). */
export function decryptZeroConfig(base64: string, secret: ZeroConfigKey = defaultZeroConfigKey): string {
  checkKey(secret);
  const bytes = zeroConfigCiphertext(base64);
  if (!bytes) throw new Error('not the Base64 of whole AES blocks');
  const decipher = createDecipheriv('aes-128-cbc', secret.key, secret.iv);
  return Buffer.concat([decipher.update(bytes), decipher.final()]).toString('utf8');
}

/** The ciphertext bytes when `text` is canonical Base64 of one or more 16-byte blocks. */
export function zeroConfigCiphertext(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length % 16 === 0 && bytes.toString('base64') === text ? bytes : undefined;
}

export function parseZeroConfigPlaintext(plaintext: string): ZeroConfigCredentials | undefined {
  const match = /^username=([^&]+)&server=([^&]+)&password=([^&]+)$/.exec(plaintext);
  return match ? { username: match[1] ?? '', server: match[2] ?? '', password: match[3] ?? '' } : undefined;
}

export const zeroConfigLink = (credentials: ZeroConfigCredentials, secret: ZeroConfigKey = defaultZeroConfigKey) =>
  `${sipphoneScheme}${encryptZeroConfig(zeroConfigPlaintext(credentials), secret)}`;

/** The http(s) link an SMS or email carries: the launch handler at `base` with c= the URL-escaped Base64. */
export function launchLink(base: string, link: string): string {
  const url = new URL(base);
  url.searchParams.set('c', link.slice(sipphoneScheme.length));
  // URLSearchParams writes spaces as "+"; Base64 has none, and its "+", "/" and "=" come out
  // percent-escaped, as the handbook's uri_escape does.
  return url.toString();
}
