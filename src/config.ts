// One typed configuration for the whole process, read from flags and environment by main.ts only.
//
// Every setting is declared once, as a row of the table in config/settings.ts; `Config` is the type
// those rows spell out. config/load.ts reads flags and environment by the rows, config/describe.ts
// renders --help from them, and tools/ generate the chart's values schema and the table of
// docs/configuration.md from them (unit tests fail when those are stale).
export { configHelp, configSettings, type SettingDescription } from './config/describe.js';
export { ConfigError } from './config/error.js';
export { defaultConfig, helpRequested, loadConfig } from './config/load.js';
export type { HostFacts, SettingKind } from './config/row.js';
export { LOG_LEVELS, type Config, type LogLevel } from './config/settings.js';
