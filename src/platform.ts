/**
 * What a platform adapter (adapters/<name>/platform.ts) implements to join bangban. The list of
 * platforms is in src/platform-channels.ts.
 */
import type { Router } from '@koa/router';
import type { Registry } from 'prom-client';
import type { CitizenSender, StaffNotifier } from './channel-router.ts';
import type { Config } from './config/index.ts';
import type { Channel } from './core/inbound.ts';
import type { Flows } from './flows/types.ts';
import type { OutboxRunner } from './jobs/outbox-runner.ts';
import type { Logger } from './logger.ts';
import type { ChannelGateway, Clock, MediaStore } from './ports.ts';
import type { Database } from './storage/database.ts';

/** What every platform gets to build itself. */
export interface PlatformOptions {
  env: NodeJS.ProcessEnv;
  config: Config;
  database: Pick<Database, 'db'>;
  outbox: Pick<OutboxRunner, 'enqueue' | 'register'>;
  clock: Clock;
  logger: Logger;
  /** Shared store for media crossing channels (`media:<id>` refs). */
  media: MediaStore;
  /** The app's metrics registry, for a platform's own gauges (e.g. the 12345 dispatch rate). */
  metrics?: { registry: Registry };
}

/** Once the flows exist: what a platform's callbacks and deliverers need. */
export interface PlatformConnectDeps {
  flows: Flows;
  /** The whole gateway's staff notifications (desk and every work-chat platform). */
  notifyStaff: ChannelGateway['notifyStaff'];
  /** The whole gateway's citizen sender. */
  sendToCitizen: ChannelGateway['sendToCitizen'];
}

export interface PlatformInstance {
  /** One line for the start log: on (and as what), or off and how to switch it on. */
  status: string;
  citizens?: Partial<Record<Channel, CitizenSender>>;
  staff?: StaffNotifier[];
  /** Registers what needs the flows; returns the callback router(s) to mount. */
  connect?(deps: PlatformConnectDeps): Router<never> | Router<never>[] | Router | Router[];
  /** Stops what the platform runs on its own (a Stream connection …); called when bangban closes. */
  close?(): Promise<void>;
}

export interface Platform {
  name: string;
  /** The bad variables of a half-configured platform (each naming the variable); [] if fine or off. */
  check(env: NodeJS.ProcessEnv, config: Config): string[];
  create(options: PlatformOptions): Promise<PlatformInstance>;
}
