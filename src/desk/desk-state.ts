import type { AppState } from '../http/app-state.ts';
import type { DeskStaff } from './staff-directory.ts';

/** `ctx.state` on desk API routes after `requireStaff`. */
export interface DeskState extends AppState {
  staff: DeskStaff;
  /** Hash of the session token the request came with (logout deletes it). */
  sessionTokenHash: string;
}
