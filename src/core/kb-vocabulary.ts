/** Closed lists of the knowledge base, shared by the KB files' schema and the database's CHECKs. */

/** The seven columns (栏目) of the 一网通办 knowledge base (seed §二(二)). */
export const KB_COLUMNS = ['网上办事指引', '常见问题', '政务百科词条', '政策文件', '通知公告', '热线电话', '部门信息'] as const;
export type KbColumn = (typeof KB_COLUMNS)[number];

/** Only published entries are answered from; retired ones stay for the version history. */
export const KB_STATUSES = ['draft', 'published', 'retired'] as const;
export type KbStatus = (typeof KB_STATUSES)[number];
