// The X-Twilio-Signature algorithm (https://www.twilio.com/docs/usage/webhooks/webhooks-security),
// so customers keep their Twilio request validators: base64(HMAC-SHA1(authToken, url + params)),
// where url is the full URL with its query string and params are the form parameters sorted by
// name, each appended as name then value with no delimiters. A GET carries its parameters in the
// URL and signs no others. Repeated names are sorted by value and identical pairs counted once,
// as twilio-node and twilio-python do with multi-valued fields.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Form parameters in send order; a name may repeat (several X- headers of one name, say). */
export type WebhookParams = ReadonlyArray<readonly [string, string]>;

export function twilioSignature(authToken: string, url: string, params: WebhookParams | Readonly<Record<string, string>>): string {
  const pairs = isPairList(params) ? [...params] : Object.entries(params);
  // Code-unit order, as JavaScript's default sort in twilio-node; names are ASCII in practice.
  // Sorted, identical pairs are neighbours, and each is signed once.
  const sorted = pairs.sort(([nameA, valueA], [nameB, valueB]) => compare(nameA, nameB) || compare(valueA, valueB));
  // One string, one update: a call's two dozen parameters as two updates each cost more in
  // crossings into the native hash than the concatenation does.
  let text = url;
  let previous: readonly [string, string] | undefined;
  for (const pair of sorted) {
    if (previous === undefined || pair[0] !== previous[0] || pair[1] !== previous[1]) text += pair[0] + pair[1];
    previous = pair;
  }
  return createHmac('sha1', authToken).update(text, 'utf8').digest('base64');
}

/**
 * Whether signature signs this request. Like Twilio's own validators, the URL is tried as given,
 * without its port, and with the scheme's default port, since a URL configured as
 * https://host/... may arrive as https://host:443/... behind some proxies and vice versa.
 */
export function validateTwilioSignature(
  authToken: string, signature: string, url: string, params: WebhookParams | Readonly<Record<string, string>>,
): boolean {
  const presented = Buffer.from(signature);
  return urlVariants(url).some((variant) => {
    const expected = Buffer.from(twilioSignature(authToken, variant, params));
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  });
}

const AUTHORITY = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/s;
const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http://': '80', 'https://': '443' };

// String surgery on the authority only: re-serialising through URL would also re-encode the
// path and query, which are signed byte for byte.
function urlVariants(url: string): string[] {
  const match = AUTHORITY.exec(url);
  if (match === null) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  // An IPv6 literal ends in ']' unless a port follows it.
  const portMatch = /:[0-9]*$/.exec(authority);
  if (portMatch !== null) {
    return [url, scheme + authority.slice(0, portMatch.index) + rest];
  }
  const defaultPort = DEFAULT_PORTS[scheme.toLowerCase()];
  return defaultPort === undefined ? [url] : [url, `${scheme}${authority}:${defaultPort}${rest}`];
}

function isPairList(params: WebhookParams | Readonly<Record<string, string>>): params is WebhookParams {
  return Array.isArray(params);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
