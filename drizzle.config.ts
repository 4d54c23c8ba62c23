import { defineConfig } from 'drizzle-kit';

// Every file in the schema folder is read, so a new area (kb.ts …) needs no change here.
// `npx drizzle-kit generate` writes SQL to drizzle/; raw SQL goes in `--custom` migrations.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/storage/schema/*.ts',
  out: './drizzle',
});
