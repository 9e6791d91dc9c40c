// TwiML that comes with a REST API request (a placed call's Twiml, a redirect's) rather than from a URL.

/**
 * The document URL of TwiML that came with the request: not one to resolve a relative URL against,
 * and the voice URL of such a call, which nothing fetches.
 */
export const INLINE_TWIML_URL = 'about:inline-twiml';
