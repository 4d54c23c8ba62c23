import { AppError } from '../core/errors.ts';

/** A message-id cursor from a query parameter or header; absent → undefined, malformed → 400. */
export function parseCursor(raw: unknown, field: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) {
    throw new AppError('bad_request', `${field} must be a message id (a whole number)`, {
      details: { field },
    });
  }
  return Number(raw);
}
