// The number formats PhoneNumbers may hold, in a module of their own with no imports: the CRD
// schema validates with them and the SIP workers read called numbers by the same rule, and the
// worker image carries this file without the schema building blocks around it.
const shortCode = '[0-9]{3,8}';

/** E.164 ("+", country code, up to 15 digits) or a short code. */
export const e164OrShortCodePattern = String.raw`^(\+[1-9][0-9]{1,14}|${shortCode})$`;

/** A short code as PhoneNumbers may hold it. */
export const shortCodePattern = new RegExp(`^${shortCode}$`);
