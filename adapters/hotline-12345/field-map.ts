/**
 * Canonical ticket and callback fields ↔ the local 12345 interface's field names (config
 * hotline12345.fields, dotted paths such as `requester.phone`).
 */
import type { Hotline12345Config } from '../../src/config/hotline-config.ts';
import { DEFAULT_STATUS_VALUES } from '../../src/config/hotline-config.ts';
import type { CallbackStatus, HotlineTicketDocument } from '../../src/flows/hotline-types.ts';

type Json = Record<string, unknown>;

export function getPath(source: unknown, path: string): unknown {
  let current: unknown = source;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, part)) return undefined;
    current = (current as Json)[part];
  }
  return current;
}

export function setPath(target: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = target;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) current[part] = {};
    current = current[part] as Json;
  }
  current[parts.at(-1)!] = value;
}

/** The request body for the local interface; absent optional values are left out. */
export function toRemoteTicket(document: HotlineTicketDocument, config: Hotline12345Config): Json {
  const fields = config.fields.ticket;
  const values: Record<keyof typeof fields, unknown> = {
    agencyTicketNo: document.agencyTicketNo,
    sourceChannel: document.sourceChannel,
    createdAt: document.createdAt,
    requesterName: document.requester.name,
    requesterPhone: document.requester.phone,
    requesterRealName: document.requester.realName,
    requesterChannel: document.requester.channel,
    requesterChannelUserId: document.requester.channelUserId,
    enterpriseName: document.requester.enterpriseName,
    enterpriseUscc: document.requester.uscc,
    appealType: document.appealType,
    itemId: document.itemId,
    itemName: document.itemName,
    department: document.department,
    title: document.title,
    content: document.content,
    transcriptUrl: document.transcriptUrl,
    attachments: document.attachments,
    reason: document.reason,
    urgency: document.urgency,
    helperName: document.helperName,
  };
  const body: Json = {};
  for (const [name, path] of Object.entries(fields) as [keyof typeof fields, string][]) {
    const value = values[name];
    if (value !== undefined && value !== null) setPath(body, path, value);
  }
  return body;
}

/** The 12345 number in a create response, if it has one. */
export function hotlineNoOf(response: unknown, config: Hotline12345Config): string | null {
  return scalar(getPath(response, config.fields.response.hotlineNo)) ?? null;
}

export type MappedCallback =
  | {
      ok: true;
      callback: {
        eventId?: string;
        agencyTicketNo: string;
        status: CallbackStatus;
        hotlineNo?: string;
        reason?: string;
        handlerOrg?: string;
        reply?: string;
        occurredAt?: string;
      };
    }
  | { ok: false; field: string; message: string };

export function readCallback(body: unknown, config: Hotline12345Config): MappedCallback {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, field: '(body)', message: 'expected a JSON object' };
  const fields = config.fields.callback;
  const read = (path: string) => scalar(getPath(body, path));
  const agencyTicketNo = read(fields.agencyTicketNo);
  if (!agencyTicketNo)
    return { ok: false, field: fields.agencyTicketNo, message: 'the agency ticket number is missing' };
  const word = read(fields.status);
  const statuses = { ...DEFAULT_STATUS_VALUES, ...config.statusValues };
  const status = word === undefined ? undefined : statuses[word];
  if (!status)
    return { ok: false, field: fields.status, message: `unknown status ${JSON.stringify(word ?? null)}` };
  const pick = (value: string | undefined, max: number) =>
    value === undefined ? undefined : value.slice(0, max);
  return {
    ok: true,
    callback: {
      eventId: pick(read(fields.eventId), 200),
      agencyTicketNo: agencyTicketNo.slice(0, 200),
      status,
      hotlineNo: pick(read(fields.hotlineNo), 100),
      reason: pick(read(fields.reason), 2000),
      handlerOrg: pick(read(fields.handlerOrg), 200),
      reply: pick(read(fields.reply), 4000),
      occurredAt: pick(read(fields.occurredAt), 64),
    },
  };
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
