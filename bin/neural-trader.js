#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli/main.js (built by `npm install` / `npm run build`).
import('../dist/cli/main.js')
  .then((cli) => cli.main(process.argv))
  .catch((error) => {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
      process.stderr.write(
        'neural-trader: dist/ is missing. Run `npm install` (or `npm run build`) first.\n',
      );
    } else {
      process.stderr.write(`neural-trader: ${error?.stack ? error.stack : error}\n`);
    }
    process.exit(1);
  });
