/**
 * The 12345 hotline gateway as one entry of the platform list (src/platform-channels.ts). On with
 * HOTLINE_12345_BASE_URL, _APP_ID and _SECRET; the HTTP client and callback route are imported
 * only then. Off, tickets are parked (kept pending, the helper told they are queued) and sent
 * when it is switched on. The dispatch-rate admin route is served either way.
 */
import type { Registry } from 'prom-client';
import type { Router } from '@koa/router';
import { loadDeskSecret } from '../../src/desk/desk-secret.ts';
import { createDeskAuth } from '../../src/desk/desk-auth.ts';
import { HOTLINE_TICKET } from '../../src/flows/hotline-ticket.ts';
import type { HotlineFlows } from '../../src/flows/hotline-types.ts';
import type { Flows } from '../../src/flows/types.ts';
import type { Platform, PlatformOptions } from '../../src/platform.ts';
import { createHotlineAdminRouter } from './admin-router.ts';
import { registerDispatchRateGauges } from './dispatch-rate-gauge.ts';
import { readHotlineSettings } from './hotline-settings.ts';
import type { TicketGateway } from './ticket-gateway.ts';
import { parkingDeliverer } from './ticket-deliverer.ts';

/**
 * What createBangban may pass beyond PlatformOptions: the app's metrics registry (for the
 * dispatch-rate gauges) and, in tests, a gateway in place of the HTTP client.
 */
export type HotlinePlatformOptions = PlatformOptions & {
  metrics?: { registry: Registry };
  hotlineGateway?: TicketGateway;
};

export const hotline12345Platform: Platform = {
  name: '12345',
  check(env) {
    const read = readHotlineSettings(env);
    return 'errors' in read ? read.errors : [];
  },
  async create(platformOptions) {
    const options = platformOptions as HotlinePlatformOptions;
    const read = readHotlineSettings(options.env);
    let connected: HotlineFlows | null = null;
    const hotline = (): HotlineFlows => {
      if (!connected) throw new Error('the 12345 gateway is not connected to the flows yet');
      return connected;
    };
    const auth = createDeskAuth({
      database: options.database,
      clock: options.clock,
      loginSecret: await loadDeskSecret({ env: options.env, dataDir: options.config.server.dataDir }),
    });
    const connectCommon = (flows: Flows): Router[] => {
      connected = hotlineOf(flows);
      if (options.metrics) registerDispatchRateGauges(options.metrics.registry, connected, options.clock);
      connected
        .armAutoPush()
        .catch((error: unknown) =>
          options.logger.error({ err: error }, '12345 auto-push could not be armed'),
        );
      return [
        createHotlineAdminRouter({ auth, clock: options.clock, hotline: connected }) as unknown as Router,
      ];
    };

    if (!read.enabled) {
      if ('errors' in read) return { status: `12345 gateway is off: ${read.errors.join('; ')}` };
      options.outbox.register(HOTLINE_TICKET, parkingDeliverer(hotline));
      return { status: read.reason, connect: (deps) => connectCommon(deps.flows) };
    }
    const { createHotlineChannel } = await import('./create-hotline-channel.ts');
    const channel = await createHotlineChannel(options, read.settings, hotline, options.hotlineGateway);
    return {
      status: `12345 gateway is on (${read.settings.baseUrl}, app ${read.settings.appId})`,
      connect: (deps) => {
        const routers = connectCommon(deps.flows);
        return [channel.callbackRouter(hotline()) as unknown as Router, ...routers];
      },
    };
  },
};

function hotlineOf(flows: Flows): HotlineFlows {
  if (!flows.hotline) throw new Error('these flows have no 12345 surface (flows.hotline)');
  return flows.hotline;
}
