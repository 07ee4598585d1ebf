// The one error of the configuration: names the setting, the value received and the fix.

/** A configuration that cannot start the process: terminal, never retried. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Stable code for the error catalog. */
  readonly code = 'CONFIG_INVALID';
  readonly retryable = false;
  /** The flag or environment variable at fault (e.g. "--qps" or "ORCHESTRATOR_QPS"). */
  readonly setting: string;
  /** The value received, verbatim. */
  readonly value: string | undefined;

  constructor(setting: string, value: string | undefined, message: string) {
    super(message);
    this.setting = setting;
    this.value = value;
  }
}
