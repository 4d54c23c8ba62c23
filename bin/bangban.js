#!/usr/bin/env node
// Runs the TypeScript CLI directly (no build step): tsx registers an ESM loader first.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
