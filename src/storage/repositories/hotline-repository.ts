import { and, asc, count, desc, eq, lt, sql } from 'drizzle-orm';
import type {
  DispatchRateRow,
  HotlineRepository,
  HotlineTicketDocument,
  HotlineTicketEventRow,
  HotlineTicketRow,
  HotlineTicketStatus,
} from '../../flows/hotline-types.ts';
import { queryRows, type Db } from '../database.ts';
import { conversations, hotlineTicketEvents, hotlineTickets } from '../schema/index.ts';

type Stored = typeof hotlineTickets.$inferSelect;

function toRow(row: Stored): HotlineTicketRow {
  return { ...row, document: row.document as HotlineTicketDocument };
}

/** Conversations without an item are reported under this id. */
export const NO_ITEM = '(none)';

/** 12345 tickets and their events (src/flows/hotline-types.ts HotlineRepository). */
export function createHotlineRepository(db: Db): HotlineRepository {
  const one = async (rows: Promise<Stored[]>): Promise<HotlineTicketRow | null> => {
    const [row] = await rows;
    return row ? toRow(row) : null;
  };

  return {
    async insert(ticket) {
      await db.insert(hotlineTickets).values({ ...ticket, updatedAt: ticket.createdAt });
    },

    lock: (ticketNo) =>
      one(db.select().from(hotlineTickets).where(eq(hotlineTickets.ticketNo, ticketNo)).for('update')),

    get: (ticketNo) => one(db.select().from(hotlineTickets).where(eq(hotlineTickets.ticketNo, ticketNo))),

    async countForConversation(conversationId) {
      const [row] = await db
        .select({ n: count() })
        .from(hotlineTickets)
        .where(eq(hotlineTickets.conversationId, conversationId));
      return row?.n ?? 0;
    },

    latestForConversation: (conversationId) =>
      one(
        db
          .select()
          .from(hotlineTickets)
          .where(eq(hotlineTickets.conversationId, conversationId))
          .orderBy(desc(hotlineTickets.sequence))
          .limit(1),
      ),

    async update(ticketNo, patch, at) {
      await db
        .update(hotlineTickets)
        .set({ ...patch, updatedAt: at })
        .where(eq(hotlineTickets.ticketNo, ticketNo));
    },

    async appendEvent(event) {
      const rows = await db
        .insert(hotlineTicketEvents)
        .values(event)
        .onConflictDoNothing({
          target: hotlineTicketEvents.dedupeKey,
          where: sql`${hotlineTicketEvents.dedupeKey} is not null`,
        })
        .returning({ id: hotlineTicketEvents.id });
      return rows.length > 0;
    },

    async hasDedupeKey(dedupeKey) {
      const rows = await db
        .select({ id: hotlineTicketEvents.id })
        .from(hotlineTicketEvents)
        .where(eq(hotlineTicketEvents.dedupeKey, dedupeKey))
        .limit(1);
      return rows.length > 0;
    },

    async events(ticketNo) {
      const rows = await db
        .select()
        .from(hotlineTicketEvents)
        .where(eq(hotlineTicketEvents.ticketNo, ticketNo))
        .orderBy(asc(hotlineTicketEvents.id));
      return rows.map((row) => ({
        ...row,
        fromStatus: row.fromStatus as HotlineTicketStatus | null,
        toStatus: row.toStatus as HotlineTicketStatus | null,
        data: row.data as Record<string, unknown>,
      })) satisfies HotlineTicketEventRow[];
    },

    async dispatchRate({ from, to }) {
      // ARCHITECTURE.md §7: human-helped = handed off to a human (handoff_at) in the period;
      // pushed = those with at least one 12345 ticket (a conversation counts once however often
      // it was pushed). grouping() tells the all-items row from conversations without an item.
      const rows = await queryRows<{
        item_id: string | null;
        total_row: number;
        human_helped: number;
        pushed: number;
      }>(
        db,
        sql`select c.item_id, grouping(c.item_id)::int as total_row,
                   count(*)::int as human_helped,
                   count(*) filter (where exists (
                     select 1 from hotline_tickets t where t.conversation_id = c.id))::int as pushed
            from conversations c
            where c.handoff_at >= ${from.toISOString()}::timestamptz
              and c.handoff_at < ${to.toISOString()}::timestamptz
            group by rollup (c.item_id)
            order by total_row desc, c.item_id`,
      );
      const result: DispatchRateRow[] = rows.map((row) => ({
        itemId: Number(row.total_row) === 1 ? null : (row.item_id ?? NO_ITEM),
        humanHelped: Number(row.human_helped),
        pushed: Number(row.pushed),
      }));
      // rollup gives no row at all for an empty period: the total is still 0 of 0.
      if (!result.some((row) => row.itemId === null))
        result.unshift({ itemId: null, humanHelped: 0, pushed: 0 });
      return result;
    },

    async parked(limit) {
      const rows = await queryRows<{ ticket_no: string; conversation_id: string; park_event_id: number }>(
        db,
        sql`select t.ticket_no, t.conversation_id, e.id as park_event_id
            from hotline_tickets t
            join lateral (select id, type from hotline_ticket_events
                          where ticket_no = t.ticket_no order by id desc limit 1) e on true
            where t.status = 'pending' and e.type = 'parked'
            order by t.created_at
            limit ${limit}`,
      );
      return rows.map((row) => ({
        ticketNo: row.ticket_no,
        conversationId: row.conversation_id,
        parkEventId: Number(row.park_event_id),
      }));
    },

    async queuedSince(handoffBefore, limit) {
      return db
        .select({ id: conversations.id, itemId: conversations.itemId })
        .from(conversations)
        .where(and(eq(conversations.state, 'queued'), lt(conversations.handoffAt, handoffBefore)))
        .orderBy(asc(conversations.handoffAt))
        .limit(limit);
    },
  };
}
