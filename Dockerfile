# The orchestrator's image, as charts/remediation-orchestrator runs it: `node dist/main.js` in /app,
# as an unprivileged user, with production dependencies only. The chart gives only flags (args), so
# the ENTRYPOINT is the command; test/e2e/helm-chart.test.ts runs this ENTRYPOINT with the chart's args.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --ignore-scripts

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "dist/main.js"]
