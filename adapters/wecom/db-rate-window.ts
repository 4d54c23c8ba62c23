/**
 * WeCom's per-minute limits counted in PostgreSQL, so several bangban instances together stay
 * within 30 app messages per member and 20 per group robot (protocols §5.9; the excess of app
 * messages is silently dropped by WeCom). Each key has `limit` slot rows holding when they were
 * last used; a send claims one used at least a minute ago — `FOR UPDATE SKIP LOCKED`, so two
 * instances never claim the same slot — which is exactly the in-process RateWindow's rule.
 * Times come from the injected Clock (instances' clocks should be NTP-synchronised).
 */
import { sql } from 'drizzle-orm';
import type { Clock } from '../../src/ports.ts';
import { queryRows, type Db } from '../../src/storage/database.ts';
import type { SlotTaker } from '../shared/rate-window.ts';

const MINUTE_MS = 60_000;

export class DbRateWindow implements SlotTaker {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #limitOf: (key: string) => number;
  /** Keys whose slot rows exist up to this many (created once per process and limit). */
  readonly #prepared = new Map<string, number>();

  constructor(db: Db, clock: Clock, limitOf: (key: string) => number) {
    this.#db = db;
    this.#clock = clock;
    this.#limitOf = limitOf;
  }

  async tryTake(key: string): Promise<number> {
    const limit = this.#limitOf(key);
    await this.#prepare(key, limit);
    const now = this.#clock.now();
    const freeBefore = new Date(now.getTime() - MINUTE_MS);
    const taken = await queryRows<{ slot: number }>(
      this.#db,
      sql`update wecom_rate_slots s set used_at = ${now.toISOString()}::timestamptz
          from (select key, slot from wecom_rate_slots
                where key = ${key} and slot < ${limit} and used_at <= ${freeBefore.toISOString()}::timestamptz
                order by used_at, slot limit 1 for update skip locked) free
          where s.key = free.key and s.slot = free.slot
          returning s.slot`,
    );
    if (taken.length > 0) return 0;
    const [oldest] = await queryRows<{ used_at: string | Date }>(
      this.#db,
      sql`select min(used_at) as used_at from wecom_rate_slots where key = ${key} and slot < ${limit}`,
    );
    const wait = oldest?.used_at ? new Date(oldest.used_at).getTime() + MINUTE_MS - now.getTime() : 0;
    // A slot that is free but locked by another instance right now: look again shortly.
    return Math.max(wait, 50);
  }

  async #prepare(key: string, limit: number): Promise<void> {
    if ((this.#prepared.get(key) ?? 0) >= limit) return;
    await this.#db.execute(
      sql`insert into wecom_rate_slots (key, slot, used_at)
          select ${key}, g, 'epoch'::timestamptz from generate_series(0, ${limit - 1}) g
          on conflict (key, slot) do nothing`,
    );
    this.#prepared.set(key, limit);
  }
}
