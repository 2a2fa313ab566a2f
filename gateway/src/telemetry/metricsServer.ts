// The /metrics listener, separate from the public port. Our own server rather than the exporter's:
// the exporter treats port 0 as "use 9464" and cannot report the port it bound.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export async function serveMetrics(exporter: PrometheusExporter, host: string, port: number): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/metrics') return exporter.getMetricsRequestHandler(req, res);
    res.statusCode = 404;
    res.end('not found: GET /metrics\n');
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
