/** `{ key: value }` when the value is set, `{}` otherwise, so unset fields are absent rather than undefined. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export const webhook = (url: string | undefined, method: 'POST' | 'GET') => (url ? { url, method } : undefined);
