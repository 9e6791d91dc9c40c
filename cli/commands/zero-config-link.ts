// switchyard zero-config-link: SIP credentials → the sip:phone app's sipphone:// zero-config link
// (and, given the launch handler's URL, the http link an SMS or email can carry).
import { ApiError } from '../../api/kube/client.ts';
import { objectPath } from '../../operator/src/kube/resources.ts';
import { clusterClient } from '../kube/cluster-client.ts';
import { CommandError, exitCodes, parseCommandArgs, requireString, UsageError, type Command, type CommandIO } from '../terminal/command.ts';
import { passwordOptions, readPassword } from '../terminal/password.ts';
import { defaultZeroConfigKey, launchLink, zeroConfigLink as linkOf, type ZeroConfigKey } from '../../sip-workers/src/zero-config/link-cipher.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const help = `Usage: switchyard zero-config-link --username U --server S (--password P | --password-file F)
                                 [--key HEX --iv HEX | --key-secret NAMESPACE/NAME [--kubeconfig K]]
                                 [--launch-url URL]

Prints the sip:phone zero-config link that opens the app with these SIP credentials filled in
(Sipwise sip:carrier handbook, "Zero Config Launcher"): the string
  username=U&server=S&password=P
encrypted with AES-128-CBC (PKCS#7 padding) under the brand's key and IV, in Base64, as
  sipphone://<Base64>
The app does not unescape the string, so a value containing "&" is refused.

Options:
  --username U         SIP username.
  --server S           SIP domain or server.
  --password P         SIP password. It shows in process lists: prefer --password-file.
  --password-file F    Read the password from F ("-" for stdin); one trailing newline is dropped.
  --key HEX --iv HEX   The brand's AES-128 key and IV, 32 hex digits each. Default: the app's
                       standard values (key ${hex(defaultZeroConfigKey.key)}, "iBmTdavJ8joPW3HO";
                       iv ${hex(defaultZeroConfigKey.iv)}, "tww21lQe6cmywrp3").
  --key-secret NS/NAME Read key and IV from the Secret's "key" and "iv" entries (16 bytes each,
                       raw or as 32 hex digits).
  --kubeconfig K       Kubeconfig for --key-secret (default: $KUBECONFIG, then ~/.kube/config).
  --launch-url URL     Also print the link to the launch handler, URL?c=<URL-escaped Base64>, on
                       a second line (the push service answers it: GET /p).
  -h, --help           This help.

Example (the handbook's test vector):
  switchyard zero-config-link --username testuser --server example.org --password testpass \\
    --launch-url http://example.org/p
  sipphone://CI8VN8toaE40w8E4OH2rAuFj3Qev9QdLI/Wv/VaBCVK2yNkBZjxE9eafXkkrQfmYdeu01PquS5P40zhUq8Mfjg==
  http://example.org/p?c=CI8VN8toaE40w8E4OH2rAuFj3Qev9QdLI%2FWv%2FVaBCVK2yNkBZjxE9eafXkkrQfmYdeu01PquS5P40zhUq8Mfjg%3D%3D
`;

function hexBytes(value: string, flag: string): Buffer {
  if (!/^[0-9a-fA-F]{32}$/.test(value)) throw new UsageError(`${flag} must be 32 hex digits (16 bytes)`);
  return Buffer.from(value, 'hex');
}

/** A Secret entry holding 16 raw bytes or their 32 hex digits. */
function secretBytes(data: Record<string, string> | undefined, entry: string, where: string): Buffer {
  const encoded = data?.[entry];
  if (encoded === undefined) throw new CommandError(`Secret ${where} has no "${entry}" entry`);
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length === 16) return bytes;
  const text = bytes.toString('latin1').trim();
  if (/^[0-9a-fA-F]{32}$/.test(text)) return Buffer.from(text, 'hex');
  throw new CommandError(`Secret ${where} entry "${entry}" must be 16 bytes or 32 hex digits, got ${bytes.length} bytes`);
}

async function keyFromSecret(reference: string, kubeconfig: string | undefined, io: CommandIO): Promise<ZeroConfigKey> {
  const [namespace, name, ...rest] = reference.split('/');
  if (!namespace || !name || rest.length > 0) throw new UsageError('--key-secret must be NAMESPACE/NAME');
  const client = await clusterClient({ kubeconfig, env: io.env });
  try {
    const secret = await client.request<{ data?: Record<string, string> }>('GET', objectPath('Secret', namespace, name));
    return { key: secretBytes(secret.data, 'key', reference), iv: secretBytes(secret.data, 'iv', reference) };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw new CommandError(`Secret ${reference} does not exist`);
    throw error;
  }
}

async function run(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    username: { type: 'string' }, server: { type: 'string' }, ...passwordOptions,
    key: { type: 'string' }, iv: { type: 'string' }, 'key-secret': { type: 'string' }, kubeconfig: { type: 'string' }, 'launch-url': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if ((values.key === undefined) !== (values.iv === undefined)) throw new UsageError('--key and --iv go together');
  if (values.key !== undefined && values['key-secret'] !== undefined) throw new UsageError('give --key/--iv or --key-secret, not both');
  if (values.kubeconfig !== undefined && values['key-secret'] === undefined) throw new UsageError('--kubeconfig only goes with --key-secret');
  let launchBase: string | undefined;
  if (values['launch-url'] !== undefined) {
    launchBase = values['launch-url'];
    if (!URL.canParse(launchBase) || !/^https?:$/.test(new URL(launchBase).protocol)) throw new UsageError('--launch-url must be an absolute http:// or https:// URL');
  }
  const username = requireString(values.username, '--username');
  const server = requireString(values.server, '--server');
  const password = await readPassword(values, io);
  const key: ZeroConfigKey = values['key-secret'] !== undefined
    ? await keyFromSecret(values['key-secret'], values.kubeconfig, io)
    : values.key !== undefined ? { key: hexBytes(values.key, '--key'), iv: hexBytes(values.iv ?? '', '--iv') } : defaultZeroConfigKey;
  let link: string;
  try {
    link = linkOf({ username, server, password }, key);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  io.stdout.write(`${link}\n${launchBase === undefined ? '' : `${launchLink(launchBase, link)}\n`}`);
  return exitCodes.ok;
}

export const zeroConfigLink: Command = {
  name: 'zero-config-link',
  summary: 'Make a sip:phone zero-config sipphone:// link from SIP credentials.',
  help,
  run,
};
