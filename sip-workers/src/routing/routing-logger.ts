// The slice of a pino logger the routing sources use, so the worker can pass its own logger (or a
// child of it) and tests can pass nothing.
export interface RoutingLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

export const silentLogger: RoutingLogger = { info: () => {}, warn: () => {}, error: () => {} };
