// Writes the chart's Grafana dashboard from tools/dashboard.ts: `npm run gen:dashboard`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { dashboardFile, renderDashboard } from './dashboard.js';

await mkdir(dirname(dashboardFile), { recursive: true });
await writeFile(dashboardFile, renderDashboard());
console.log('wrote charts/remediation-orchestrator/dashboards/remediation-orchestrator.json');
