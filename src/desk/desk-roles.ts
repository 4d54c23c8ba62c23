import type { StaffRole } from '../config/config-types.ts';

/**
 * Who may do what on the desk. One table, so the role-matrix test and the routes cannot drift.
 * kb_maintainer has no desk access (the KB console is theirs); leaders may watch but not act.
 */
export const DESK_ROLES = {
  /** See the queue, conversations they may handle, live events. */
  read: ['helper', 'backup', 'expert', 'tech', 'supervisor', 'leader', 'admin'],
  /** See any conversation (consulted experts and tech support need the transcript). */
  viewAny: ['expert', 'tech', 'supervisor', 'leader', 'admin'],
  /** Supervisor view: every open conversation. */
  viewAll: ['supervisor', 'leader', 'admin'],
  /** Take a waiting conversation. */
  claim: ['helper', 'backup', 'supervisor', 'admin'],
  /** Reply, run commands, pick a transfer target. */
  act: ['helper', 'backup', 'expert', 'tech', 'supervisor', 'admin'],
} as const satisfies Record<string, readonly StaffRole[]>;

export function hasAnyRole(roles: readonly string[], allowed: readonly StaffRole[]): boolean {
  return roles.some((role) => (allowed as readonly string[]).includes(role));
}
