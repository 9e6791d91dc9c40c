// RFC 2617 §3.2.2.5: the server must check that the uri directive names the same resource as the
// Request-URI, or a digest captured for one request could authorise another. Clients write the
// same URI differently (host case, parameter order, escapes), so the comparison follows RFC 3261
// §19.1.4 instead of comparing text; stricter only in wanting the same set of uri-parameters.
import { parseUri } from '../sip/uri.ts';
import type { Uri, UriParams } from '../sip/uri.ts';

function sameParams(a: UriParams, b: UriParams): boolean {
  if (a.size !== b.size) return false;
  for (const [name, value] of a) {
    if (!b.has(name)) return false;
    const other = b.get(name);
    if ((value ?? '').toLowerCase() !== (other ?? '').toLowerCase()) return false;
  }
  return true;
}

function sameUri(a: Uri, b: Uri): boolean {
  if (a.kind === 'sip' && b.kind === 'sip') {
    return a.scheme === b.scheme && a.user === b.user && a.password === b.password
      && a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port
      && sameParams(a.params, b.params);
  }
  if (a.kind === 'tel' && b.kind === 'tel') {
    return a.number.toLowerCase() === b.number.toLowerCase() && sameParams(a.params, b.params);
  }
  if (a.kind === 'other' && b.kind === 'other') return a.scheme === b.scheme && a.opaque === b.opaque;
  return false;
}

export function digestUriMatches(digestUri: string, requestUri: Uri): boolean {
  const parsed = parseUri(digestUri);
  return parsed.ok && sameUri(parsed.value, requestUri);
}
