# The gateway image: TypeScript run by tsx (a runtime dependency), no build step, no dev dependencies.
# Built from the repository root: docker compose -f compose/docker-compose.yml build gateway
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY gateway ./gateway
COPY db ./db
# DATA_DIR for the embedded database when DATABASE_URL is unset.
RUN mkdir -p /app/data && chown node:node /app/data
USER 1000:1000
# 8080: public JSON-RPC port; 9464: Prometheus metrics (keep it off the public network).
EXPOSE 8080 9464
CMD ["node", "--import", "tsx", "gateway/src/main.ts"]
