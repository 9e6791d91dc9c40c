// The APNs provider token: an ES256 JWT ({alg, kid} / {iss: team, iat}) signed with the team's
// .p8 key. Apple refuses a token older than an hour (ExpiredProviderToken) and one replaced more
// often than every 20 minutes (429 TooManyProviderTokenUpdates), so one token is shared by every
// push and re-signed only once it is `refreshAfterMs` old.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { signJwt } from '../json-web-token.ts';

export const minimumTokenAgeMs = 20 * 60_000;

/** The .p8 file's PEM as a signing key; throws with a message naming what is wrong. */
export function loadApnsKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new Error(`the APNs key is not a PEM private key (${(error as Error).message})`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`the APNs key must be a P-256 (ES256) key as Apple's .p8 files are, not ${key.asymmetricKeyType ?? 'unknown'} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim());
  }
  return key;
}

export interface ProviderTokenSettings {
  teamID: string;
  keyID: string;
  key: KeyObject;
  /** Between 20 and 60 minutes, as Apple requires. */
  refreshAfterMs: number;
  now: () => number;
  onMint?: () => void;
}

export class ApnsProviderToken {
  readonly #settings: ProviderTokenSettings;
  #current: { jwt: string; issuedAtMs: number } | undefined;

  constructor(settings: ProviderTokenSettings) {
    this.#settings = settings;
  }

  current(): string {
    const now = this.#settings.now();
    if (this.#current && now - this.#current.issuedAtMs < this.#settings.refreshAfterMs) return this.#current.jwt;
    const { teamID, keyID, key } = this.#settings;
    const jwt = signJwt('ES256', { kid: keyID }, { iss: teamID, iat: Math.floor(now / 1000) }, key);
    this.#current = { jwt, issuedAtMs: now };
    this.#settings.onMint?.();
    return jwt;
  }

  /**
   * Apple called `jwt` expired. A token past the 20-minute floor is dropped so the next push signs a
   * new one; a younger one means the clocks disagree, and replacing it would only add 429s.
   */
  expired(jwt: string): boolean {
    if (this.#current?.jwt !== jwt) return false;
    if (this.#settings.now() - this.#current.issuedAtMs < minimumTokenAgeMs) return false;
    this.#current = undefined;
    return true;
  }
}
