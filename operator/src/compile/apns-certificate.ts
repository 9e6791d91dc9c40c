// An APNs certificate (certificate-based provider authentication) judged before any pod uses it:
// besides parsing, matching its key and being valid now, it must be for the Carrier's team and app.
// Apple issues it with the Team ID as the subject's OU and the bundle ID as its UID, and APNs
// refuses pushes to a topic outside that bundle; without this check a wrong certificate shows
// only as calls to sleeping phones ending in 480.
import { checkSecretCertificate, type SecretCertificateProblem } from './secret-certificate.ts';
import type { CarrierObject } from './observed.ts';

type ApnsSpec = NonNullable<NonNullable<CarrierObject['spec']['push']>['apns']>;

interface ApnsCertificateProblem {
  reason: SecretCertificateProblem['reason'] | 'CertificateTeamMismatch' | 'CertificateTopicMismatch';
  message: string;
}

/** The subject's attributes (X509Certificate.subject has one `NAME=value` a line). */
function subjectAttributes(subject: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const line of subject.split('\n')) {
    const equals = line.indexOf('=');
    if (equals > 0 && !attributes.has(line.slice(0, equals))) attributes.set(line.slice(0, equals), line.slice(equals + 1));
  }
  return attributes;
}

export function checkApnsCertificate(apns: ApnsSpec, cert: string, key: string, now: Date, secretName: string): { validTo: Date } | ApnsCertificateProblem {
  const where = `Secret ${secretName}`;
  const pair = checkSecretCertificate(cert, key, now, secretName, 'APNs refuses the TLS connection with it');
  if ('reason' in pair) return pair;
  const subject = subjectAttributes(pair.certificate.subject);
  const team = subject.get('OU');
  if (team !== undefined && team !== apns.teamID) {
    return { reason: 'CertificateTeamMismatch', message: `The APNs certificate in ${where} belongs to team ${team} (its subject's OU), not spec.push.apns.teamID ${apns.teamID}.` };
  }
  const bundle = subject.get('UID');
  if (bundle !== undefined && apns.topic !== bundle && !apns.topic.startsWith(`${bundle}.`)) {
    return { reason: 'CertificateTopicMismatch', message: `The APNs certificate in ${where} is for the app ${bundle} (its subject's UID), so APNs refuses pushes to spec.push.apns.topic ${apns.topic}.` };
  }
  return { validTo: pair.validTo };
}
