import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Names this runner in locked_by, so an operator can see which instance holds a row. */
export function newOwnerId(role: string): string {
  return `${role}@${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
