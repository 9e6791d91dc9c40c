// metav1.MicroTime, as Lease fields (renewTime, acquireTime) take it: exactly six fractional digits.
export const microTime = (date: Date): string => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
