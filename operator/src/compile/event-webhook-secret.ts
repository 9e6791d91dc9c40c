// The secret that signs a carrier's event webhook requests (HS256 JWTs, as Somleng signs its
// carrier webhooks). Generated once, like an account's auth token, and kept: the carrier's
// receiver verifies with it, so a new one drawn by a later pass would fail every delivery.
// Deleting the Secret rotates it; the workers pick the new one up with the next routing generation.
import { keptCarrierSecret, type KeptSecret } from './kept-secret.ts';
import { names } from './names.ts';
import type { CarrierObject, ObservedSecret } from './observed.ts';

export const signingSecretField = 'signingSecret';

/** The Secret (create-only) and the secret the workers sign with, or undefined without spec.eventWebhook. */
export function eventWebhookSecret(carrier: CarrierObject, secrets: ReadonlyMap<string, ObservedSecret>, randomBytes: (size: number) => Uint8Array): KeptSecret | undefined {
  if (!carrier.spec.eventWebhook) return undefined;
  // base64url: pasted into receivers' configuration and environment variables as it is.
  return keptCarrierSecret(carrier, names.eventWebhookSecret(carrier.metadata.name), signingSecretField, secrets, () => Buffer.from(randomBytes(32)).toString('base64url'));
}
