/** Import rules from ARCHITECTURE.md §3: the core is pure, flows talk through ports. */
module.exports = {
  forbidden: [
    {
      name: 'core-no-io',
      comment: 'src/core must not import Node I/O modules or outer layers',
      severity: 'error',
      from: { path: '^src/core' },
      to: {
        path: [
          '^adapters/',
          '^src/(storage|http|jobs|cli|flows|config)/',
          '^src/main\\.ts$',
          'node_modules/(pg|@electric-sql|axios|koa|@koa|pino|prom-client|drizzle-orm|node-cron)/',
        ],
      },
    },
    {
      name: 'core-no-node-io-builtins',
      severity: 'error',
      from: { path: '^src/core' },
      to: {
        dependencyTypes: ['core'],
        path: '^(fs|net|http|https|child_process|dgram|dns|tls|worker_threads|node:fs|node:net|node:http|node:https|node:child_process|node:dgram|node:dns|node:tls|node:worker_threads)',
      },
    },
    {
      name: 'flows-only-core-and-ports',
      severity: 'error',
      from: { path: '^src/flows' },
      to: { path: ['^adapters/', '^src/(storage|http|jobs|cli)/', '^src/main\\.ts$'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|bench)/' },
  },
};
