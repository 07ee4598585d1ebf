// Observability: the pino logger, the prom-client metrics and the HTTP server for /metrics, /healthz and /readyz.
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export {
  startHealthServer,
  type HealthCheck,
  type HealthServer,
  type HealthServerOptions,
} from './server.js';
