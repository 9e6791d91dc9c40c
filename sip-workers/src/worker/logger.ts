// The logger shape the worker's parts accept: pino's, narrowed to what they use, so tests can
// pass pino({ level: 'silent' }) and nothing depends on pino's full type.
export interface WorkerLogger {
  debug(obj: object, message?: string): void;
  info(obj: object | string, message?: string): void;
  warn(obj: object | string, message?: string): void;
  error(obj: object, message?: string): void;
  child(bindings: Record<string, unknown>): WorkerLogger;
}
