// switchyard digest-hashes: a SIP credential's Bandwidth-style hashes (Hash1, Hash1b) from its
// username, optional domain, realm and password, printed or as the Secret a hashesSecretRef names,
// so the password itself never has to reach the cluster. The same hashing the operator does for a
// passwordSecretRef (operator/src/compile/credentials.ts).
import { compositeUsername, digestCredential } from '../../operator/src/compile/credentials.ts';
import { exitCodes, parseCommandArgs, requireString, UsageError, type Command, type CommandIO } from '../terminal/command.ts';
import { objectNameOption } from '../terminal/object-name-option.ts';
import { passwordOptions, readPassword } from '../terminal/password.ts';

const help = `Usage: switchyard digest-hashes --username U [--domain D] --realm R (--password-file F | --password P)
                             [--secret NAME [--namespace N]]

Prints the digest credential hashes Bandwidth takes for SIP credentials, with the composite
username C (U, or U@D with --domain):
  hash1  = MD5(C:R:password)
  hash1b = MD5(C@R:R:password)
With --secret, prints instead a Secret with keys hash1 and hash1b for a SipDomain user's or an
OutboundTrunk's hashesSecretRef: the password stays on this machine.

The realm R must be the one the hashes are checked against:
  SipDomain user   the domain's address: kubectl get sipdomain NAME -o jsonpath='{.status.domain}'
  OutboundTrunk    its credentials' realm (the trunk host when that is empty); --domain is its
                   credentials' domain

Options:
  --username U         SIP username.
  --domain D           Domain refining the username (Bandwidth's "Domain"): C is U@D.
  --realm R            Digest realm.
  --password-file F    Read the password from F ("-" for stdin); one trailing newline is dropped.
  --password P         The password. It shows in process lists: prefer --password-file.
  --secret NAME        Print a Secret manifest (YAML) named NAME instead of the two hashes.
  --namespace N        The Secret's namespace (default: none, kubectl's current one).
  -h, --help           This help.

Example (Bandwidth's own, composite username bob@somewhere.com):
  printf %s password | switchyard digest-hashes --username bob --domain somewhere.com \\
    --realm custxx.auth.bandwidth.com --password-file -
  hash1  817d76e91aad032a8c272229f468bfb2
  hash1b 39679d2a73c2e1ea719621bc0d8fdac8
`;

function secretYaml(name: string, namespace: string | undefined, hashes: { hash1: string; hash1b: string }): string {
  return [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${name}`,
    ...(namespace === undefined ? [] : [`  namespace: ${namespace}`]),
    'type: Opaque',
    'stringData:',
    `  hash1: "${hashes.hash1}"`,
    `  hash1b: "${hashes.hash1b}"`,
    '',
  ].join('\n');
}

async function run(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    username: { type: 'string' }, domain: { type: 'string' }, realm: { type: 'string' }, ...passwordOptions,
    secret: { type: 'string' }, namespace: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const username = requireString(values.username, '--username');
  const realm = requireString(values.realm, '--realm');
  const domain = values.domain === undefined ? undefined : requireString(values.domain, '--domain');
  const secret = values.secret === undefined ? undefined : objectNameOption(values.secret, '--secret');
  const namespace = values.namespace === undefined ? undefined : objectNameOption(values.namespace, '--namespace');
  if (namespace !== undefined && secret === undefined) throw new UsageError('--namespace only goes with --secret');
  const password = await readPassword(values, io);
  if (password === '') throw new UsageError('the password is empty');
  const credential = digestCredential(compositeUsername(username, domain), realm, password);
  const hashes = { hash1: credential.ha1, hash1b: credential.ha1b };
  io.stdout.write(secret === undefined ? `hash1  ${hashes.hash1}\nhash1b ${hashes.hash1b}\n` : secretYaml(secret, namespace, hashes));
  return exitCodes.ok;
}

export const digestHashes: Command = {
  name: 'digest-hashes',
  summary: 'Compute a SIP credential\'s Hash1/Hash1b, or the Secret a hashesSecretRef names.',
  help,
  run,
};
