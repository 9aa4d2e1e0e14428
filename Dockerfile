# Tandem: multi-stage build. The build stage compiles TypeScript with every
# dependency; the runtime stage holds production dependencies and the compiled
# JavaScript only, and runs as the unprivileged `node` user.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Files read at run time beside the compiled code: Adaptive Card templates and the console page.
COPY adaptive-cards ./adaptive-cards
COPY src/adapters/console/public ./src/adapters/console/public
USER node
EXPOSE 3000
# Liveness only: /healthz answers while the process runs (readiness is /readyz, checked by compose).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM from `docker stop` triggers Tandem's graceful shutdown (node is PID 1 and handles it).
CMD ["node", "dist/src/main.js"]
