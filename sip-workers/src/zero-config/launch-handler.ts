// The "3rd party launch handler" of the sip:phone zero-config flow: SMS and email clients do not
// make sipphone:// clickable, so the link they carry is http(s)://host/p?c=<escaped Base64> and
// this handler answers it with a redirect to sipphone://<Base64>, which opens the app.
//
// A pure function of the request URL, for whatever HTTP server hosts it: no server is started here.
import { decryptZeroConfig, parseZeroConfigPlaintext, sipphoneScheme, zeroConfigCiphertext, type ZeroConfigKey } from './link-cipher.ts';

export interface LaunchResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

export interface LaunchHandlerOptions {
  /** The path the links point at; default "/p", as in the handbook's SMS example. */
  path?: string;
  /** With the brand's key, a c= that does not decrypt to username, server and password is refused too. */
  key?: ZeroConfigKey;
}

const refuse = (status: number, message: string, extra: Record<string, string> = {}): LaunchResponse => ({
  status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra }, body: `${message}\n`,
});

function credentialsReadable(c: string, key: ZeroConfigKey): boolean {
  try {
    return parseZeroConfigPlaintext(decryptZeroConfig(c, key)) !== undefined;
  } catch {
    return false;
  }
}

export function launchHandler(options: LaunchHandlerOptions = {}): (url: string, method?: string) => LaunchResponse {
  const path = options.path ?? '/p';
  return (url, method = 'GET') => {
    let parsed: URL;
    try {
      parsed = new URL(url, 'http://launch-handler.invalid');
    } catch {
      return refuse(400, 'malformed request URL');
    }
    if (parsed.pathname !== path) return refuse(404, 'not found');
    if (method !== 'GET' && method !== 'HEAD') return refuse(405, 'only GET', { allow: 'GET, HEAD' });
    const values = parsed.searchParams.getAll('c');
    if (values.length === 0 || values[0] === '') return refuse(400, 'missing c: the link should end in ?c=<the URL-escaped zero-config string>');
    if (values.length > 1) return refuse(400, 'c given more than once');
    // A "+" left unescaped in the link reads back as a space; Base64 has no spaces, so it was a "+".
    const c = (values[0] ?? '').replaceAll(' ', '+');
    if (!zeroConfigCiphertext(c)) return refuse(400, 'malformed c: not the Base64 of an encrypted zero-config string');
    if (options.key && !credentialsReadable(c, options.key)) return refuse(400, 'malformed c: it does not decrypt to username, server and password with this brand\'s key');
    // Credentials ride in the Location: no cache may keep the answer.
    return { status: 302, headers: { location: `${sipphoneScheme}${c}`, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } };
  };
}
