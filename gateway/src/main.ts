// Process entry point: read config, start telemetry and the gateway, stop cleanly on a signal.
import { ConfigError, loadConfig } from './config.ts';
import { EventBus } from './events.ts';
import { startGateway } from './gateway.ts';
import { redactApiKeys } from './common/redact.ts';
import { loadTelemetryConfig, startTelemetry } from './telemetry/index.ts';

async function main(): Promise<void> {
  let config;
  let telemetryConfig;
  try {
    config = loadConfig();
    telemetryConfig = loadTelemetryConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`config error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }

  const bus = new EventBus((err, event) => {
    console.error(JSON.stringify({ level: 'error', msg: 'event listener failed', event: event.type, err: redactApiKeys(String(err)) }));
  });
  const telemetry = await startTelemetry(bus, telemetryConfig);
  const log = telemetry.logger;

  // Which replica syncs the active set: one line when this process takes the lead, stands by, or loses it.
  bus.on('orchestrators.leader', (e) =>
    log.info({ leader: e.leader, reason: e.reason }, e.leader ? 'orchestrator sync leader' : 'orchestrator sync follower'),
  );
  const gateway = await startGateway(config, { bus });
  telemetry.setStatsProvider(async () => {
    const leader = gateway.syncLeader();
    return { ...(await gateway.counts()), databaseUp: true, ...(leader === undefined ? {} : { orchestratorSyncLeader: leader ? 1 : 0 }) };
  });
  log.info(
    {
      url: gateway.url,
      database: gateway.database.kind,
      networks: Object.fromEntries(
        Object.entries(config.networks).map(([n, c]) => [n, c.nodes.map((node) => node.name)]),
      ),
      metricsPort: telemetry.metricsPort,
    },
    `gateway listening on ${config.host}:${gateway.port}`,
  );

  let stopping = false;
  // SIGTERM (a deployment, a scale-down): drain with a grace for the load balancer. SIGINT (Ctrl-C): no grace.
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const graceMs = signal === 'SIGTERM' ? config.drain.graceMs : 0;
    log.info({ signal, grace_ms: graceMs, timeout_ms: config.drain.timeoutMs }, 'draining');
    const force = setTimeout(() => {
      log.error({ timeout_ms: config.drain.timeoutMs }, 'drain did not finish in time; exiting anyway');
      process.exit(1);
    }, config.drain.timeoutMs);
    let code = 0;
    try {
      await gateway.drain(graceMs);
      log.info({ signal }, 'drained');
    } catch (err) {
      code = 1;
      log.error({ err: redactApiKeys(String(err)) }, 'drain failed');
    }
    await telemetry.shutdown().catch(() => {});
    clearTimeout(force);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`gateway failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
