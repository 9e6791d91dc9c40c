// The worker Secret's contents, compiled for lookups: auth tokens by account SID, digest
// credentials by outbound trunk and by SIP domain (case-insensitive) and username, and the key
// that signs the carrier's event webhook.
import { workerSecrets, type DigestCredential } from '../../../api/routing/schema.ts';
import { domainKey } from './routing-core.ts';
import { RoutingFormatError, schemaProblem } from './routing-format-error.ts';

export interface CompiledSecrets {
  readonly sha256: string;
  readonly authTokens: ReadonlyMap<string, string>;
  readonly outboundTrunks: ReadonlyMap<string, DigestCredential>;
  readonly sipDomains: ReadonlyMap<string, ReadonlyMap<string, DigestCredential>>;
  readonly eventWebhookSigningSecret?: string;
}

export function compileSecrets(text: string, sha256: string): CompiledSecrets {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RoutingFormatError(`not JSON (${(error as Error).message})`);
  }
  const parsed = workerSecrets.safeParse(json);
  if (!parsed.success) throw new RoutingFormatError(schemaProblem(parsed.error));
  const secrets = parsed.data;
  return {
    sha256,
    authTokens: new Map(Object.entries(secrets.authTokens)),
    outboundTrunks: new Map(Object.entries(secrets.outboundTrunks)),
    sipDomains: new Map(Object.entries(secrets.sipDomains).map(([domain, users]) => [domainKey(domain), new Map(Object.entries(users))])),
    ...(secrets.eventWebhookSigningSecret === undefined ? {} : { eventWebhookSigningSecret: secrets.eventWebhookSigningSecret }),
  };
}
