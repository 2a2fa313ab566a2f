# The gateway image: the TypeScript compiled to JavaScript in a build stage (npm run build), run by node as a
# non-root user, with production dependencies only.
# Built from the repository root: docker compose -f compose/docker-compose.yml build gateway
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY gateway ./gateway
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# gateway/src/*.js where the sources were, so paths relative to them (package.json, db/migrations) hold.
COPY --from=build /app/dist/gateway ./gateway
COPY db ./db
# DATA_DIR for the embedded database when DATABASE_URL is unset.
RUN mkdir -p /app/data && chown 1000:1000 /app/data
# The image's "node" user, by number so Kubernetes can verify runAsNonRoot (deploy/kubernetes/deployment.yaml).
USER 1000:1000
# 8080: public JSON-RPC port; 9464: Prometheus metrics (keep it off the public network).
EXPOSE 8080 9464
# node is PID 1, so a SIGTERM reaches the gateway itself, which drains.
CMD ["node", "gateway/src/main.js"]
