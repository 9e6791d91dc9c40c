// Which certificate authorities the gateway clients trust: the public roots Node ships, plus an
// optional extra PEM bundle (a TLS-inspecting egress proxy; the tests' fake gateways). Extra
// trust is added per client, never by turning verification off.
import { rootCertificates } from 'node:tls';

export function trustedCAs(extraPem: string | undefined): string[] | undefined {
  return extraPem === undefined ? undefined : [...rootCertificates, extraPem];
}
