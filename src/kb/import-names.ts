/**
 * Spreadsheet vocabulary: column headers and the Chinese words maintainers type for items,
 * departments, statuses and yes/no, mapped to the ids of the KB entry format.
 */
import type { KbEntry } from './entry.ts';

export type KbField = keyof KbEntry;

/** Accepted headers per field (compared after normaliseHeader). The first Chinese one is the documented one. */
export const XLSX_HEADERS: Readonly<Record<KbField, readonly string[]>> = {
  id: ['id', '编号', '条目编号'],
  column: ['column', '栏目'],
  item: ['item', '事项', '服务事项'],
  title: ['title', '标题'],
  questions: ['questions', '其他问法', '问法', '相似问法'],
  answer: ['answer', '答案'],
  keywords: ['keywords', '关键词'],
  source: ['source', '来源', '依据'],
  sourceUrl: ['sourceurl', 'source_url', '链接', '来源链接'],
  effectiveDate: ['effectivedate', 'effective_date', '生效日期'],
  publishDate: ['publishdate', 'publish_date', '发布日期'],
  status: ['status', '状态'],
  maintainer: ['maintainer', '维护处室', '维护部门'],
  needsConfirmation: ['needsconfirmation', 'needs_confirmation', '需核实', '待核实'],
  facts: ['facts', '事实编号'],
};

/** A sheet without one of these columns is rejected at its header row. */
export const REQUIRED_XLSX_FIELDS: readonly KbField[] = [
  'id',
  'column',
  'item',
  'title',
  'answer',
  'source',
  'maintainer',
];

/** `其他问法（每行一个）*` → `其他问法`; `Source URL` → `sourceurl`. */
export function normaliseHeader(header: string): string {
  return header
    .replace(/[（(][^）)]*[）)]/g, '')
    .replace(/[\s*＊]/g, '')
    .toLowerCase();
}

const headerIndex = new Map<string, KbField>(
  Object.entries(XLSX_HEADERS).flatMap(([field, names]) =>
    names.map((name) => [name, field as KbField] as const),
  ),
);

export function fieldOfHeader(header: string): KbField | undefined {
  return headerIndex.get(normaliseHeader(header));
}

const ITEM_NAMES: Record<string, string> = {
  医疗机构制剂注册: 'preparation-registration',
  药品生产企业许可: 'drug-production-license',
  药品生产许可: 'drug-production-license',
  第二类医疗器械产品注册: 'device-registration',
  第二类医疗器械注册: 'device-registration',
  '第二、三类医疗器械生产许可': 'device-production-license',
  医疗器械生产许可: 'device-production-license',
  化妆品生产许可: 'cosmetics-production-license',
  通用: 'general',
};

const DEPARTMENT_NAMES: Record<string, string> = {
  药品注册处: 'drug-reg',
  药品监管处: 'drug-sup',
  器械注册处: 'device-reg',
  器械监管处: 'device-sup',
  化妆品监管处: 'cosmetics-sup',
  法规处: 'legal',
  综合处: 'general-office',
  行政服务中心: 'service-center',
};

const STATUS_NAMES: Record<string, string> = {
  发布: 'published',
  已发布: 'published',
  草稿: 'draft',
  停用: 'retired',
  已停用: 'retired',
  废止: 'retired',
  已废止: 'retired',
};

const YES = new Set(['是', 'y', 'yes', 'true', '1', '需核实', '待核实']);
const NO = new Set(['否', 'n', 'no', 'false', '0', '']);

/** Chinese names to ids; anything else is returned unchanged for the validator to judge. */
export function itemId(value: string): string {
  return ITEM_NAMES[value] ?? value;
}

export function departmentId(value: string): string {
  return DEPARTMENT_NAMES[value] ?? value;
}

export function statusId(value: string): string {
  return STATUS_NAMES[value] ?? value;
}

/** 是/否, yes/no, true/false, 1/0; other text is returned as is (and rejected by the validator). */
export function yesNo(value: string): boolean | string {
  const key = value.trim().toLowerCase();
  if (YES.has(key)) return true;
  if (NO.has(key)) return false;
  return value;
}
