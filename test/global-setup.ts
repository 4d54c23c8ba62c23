import type { TestProject } from 'vitest/node';
import { ensurePgliteTemplate, ensurePgTemplate } from './helpers/db-template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Tarball of a migrated PGlite data folder (see test/helpers/db.ts). */
    bangbanPgliteTemplate: string;
    /** Migrated template database on TEST_DATABASE_URL's server, or null without one. */
    bangbanPgTemplate: string | null;
  }
}

/** Runs once per `vitest run`: prepares the migrated templates every test file copies. */
export default async function setup(project: TestProject): Promise<void> {
  project.provide('bangbanPgliteTemplate', await ensurePgliteTemplate());
  const url = process.env.TEST_DATABASE_URL;
  project.provide('bangbanPgTemplate', url ? await ensurePgTemplate(url) : null);
}
