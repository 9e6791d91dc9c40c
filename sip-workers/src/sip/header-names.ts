// Header field names: compact forms (RFC 3261 §7.3.3 and the extension RFCs that
// assign letters), canonical spellings, and which headers are comma-separated lists.

const COMPACT: Readonly<Record<string, string>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

const CANONICAL_SPELLINGS = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition',
  'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Error-Info',
  'Event', 'Expires', 'From', 'Identity', 'In-Reply-To', 'Max-Forwards', 'Min-Expires', 'Min-SE',
  'MIME-Version', 'Organization', 'P-Asserted-Identity', 'P-Preferred-Identity', 'Path', 'Priority',
  'Privacy', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason',
  'Record-Route', 'Refer-To', 'Referred-By', 'Reject-Contact', 'Reply-To', 'Request-Disposition',
  'Require', 'Retry-After', 'Route', 'RSeq', 'Server', 'Service-Route', 'Session-Expires', 'Subject',
  'Subscription-State', 'Supported', 'Timestamp', 'To', 'Unsupported', 'User-Agent', 'Via', 'Warning',
  'WWW-Authenticate',
];

const CANONICAL = new Map(CANONICAL_SPELLINGS.map((name) => [name.toLowerCase(), name]));

/**
 * Headers whose grammar is `#element`, so `Via: a, b` is two Via values (§7.3.1).
 * Deliberately absent: the auth headers (commas separate auth-params), Date,
 * User-Agent/Server (free text) and unknown headers (we cannot know their grammar).
 */
const LIST_HEADERS = new Set([
  'accept', 'accept-contact', 'accept-encoding', 'accept-language', 'alert-info', 'allow', 'allow-events',
  'call-info', 'contact', 'content-encoding', 'content-language', 'error-info', 'in-reply-to', 'path',
  'p-asserted-identity', 'p-preferred-identity', 'privacy', 'proxy-require', 'reason', 'record-route',
  'reject-contact', 'require', 'route', 'service-route', 'supported', 'unsupported', 'via', 'warning',
]);

// Most names arrive spelled canonically (or as a compact letter), so one lookup of the name as
// written answers them without lower-casing; this runs for every header of every message.
const AS_WRITTEN = new Map<string, string>([
  ...CANONICAL_SPELLINGS.map((name): [string, string] => [name, name]),
  ...Object.entries(COMPACT).flatMap(([letter, name]): Array<[string, string]> => [[letter, name], [letter.toUpperCase(), name]]),
]);
const CANONICAL_LIST_HEADERS = new Set(CANONICAL_SPELLINGS.filter((name) => LIST_HEADERS.has(name.toLowerCase())));

/** Canonical long-form spelling; unknown names keep the spelling they arrived with. */
export function canonicalHeaderName(name: string): string {
  const known = AS_WRITTEN.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  return COMPACT[lower] ?? CANONICAL.get(lower) ?? name;
}

export function isListHeader(canonicalName: string): boolean {
  if (AS_WRITTEN.get(canonicalName) === canonicalName) return CANONICAL_LIST_HEADERS.has(canonicalName);
  return LIST_HEADERS.has(canonicalName.toLowerCase());
}

export function sameHeaderName(a: string, b: string): boolean {
  return a === b || (a.length === b.length && a.toLowerCase() === b.toLowerCase());
}
