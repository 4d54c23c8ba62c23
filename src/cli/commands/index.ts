import type { CliCommand } from '../command.ts';
import { calendarCommand } from './calendar.ts';
import { kbCommand } from './kb.ts';
import { migrateCommand } from './migrate.ts';
import { staffCommand } from './staff.ts';
import { startCommand } from './start.ts';
import { wechatOaCommand } from './wechat-oa.ts';
import { wecomCommand } from './wecom.ts';

/** Every `bangban` command, in the order `--help` lists them. */
export const commands: readonly CliCommand[] = [
  startCommand,
  migrateCommand,
  calendarCommand,
  kbCommand,
  staffCommand,
  wechatOaCommand,
  wecomCommand,
];
