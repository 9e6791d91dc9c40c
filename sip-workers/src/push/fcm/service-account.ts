// A Google service-account key file (the JSON the Cloud console downloads), checked at the
// boundary: the fields the OAuth exchange needs, and an RSA private key.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

const keyFile = z.object({
  type: z.literal('service_account'),
  client_email: z.string().min(1),
  private_key: z.string().min(1),
  private_key_id: z.string().optional(),
  token_uri: z.url({ protocol: /^https$/ }).default('https://oauth2.googleapis.com/token'),
});

export interface ServiceAccount {
  clientEmail: string;
  keyID: string | undefined;
  key: KeyObject;
  /** As written in the file: it is also the assertion's audience, which must match exactly. */
  tokenURI: string;
}

export function parseServiceAccount(json: string): ServiceAccount {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // JSON.parse quotes the text it choked on, which here could be part of the private key.
    throw new Error('the FCM service-account file is not JSON');
  }
  const parsed = keyFile.safeParse(value);
  if (!parsed.success) {
    throw new Error(`the FCM service-account file is not a service-account key: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ')}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(parsed.data.private_key);
  } catch (error) {
    throw new Error(`the FCM service account's private_key is not a PEM private key (${(error as Error).message})`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`the FCM service account's private_key must be RSA (RS256), not ${key.asymmetricKeyType ?? 'unknown'}`);
  return { clientEmail: parsed.data.client_email, keyID: parsed.data.private_key_id, key, tokenURI: parsed.data.token_uri };
}
