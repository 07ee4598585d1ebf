// Structured JSON logs with pino: one line per event, ISO timestamps, the service name on every line.
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/** pino's logger; actors use `logger.child({ namespace, name, uid })`. */
export type Logger = PinoLogger;

export interface LoggerOptions {
  /** trace, debug, info, warn, error, fatal (or silent); pino rejects anything else. */
  level: string;
  /** Where lines go; stdout (pino's fast synchronous-enough default) when absent. Tests pass a sink. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const pinoOptions = {
    level: options.level,
    base: { service: 'remediation-orchestrator' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // "level":"info" rather than pino's numeric 30: log queries and humans read the label.
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}
