/**
 * What the scripts (bench, soak) share: the built packages of this repository, and `--name value`
 * options.
 */
const path = require('path');

const built = (name) => require(path.join(__dirname, '..', 'packages', name, 'dist'));

/** The packages' built code (`pnpm build` first). */
function packages() {
  return {
    core: built('core'),
    L: built('layers'),
    objectives: built('objectives'),
    updates: built('updates'),
  };
}

/** `--name value` from the command line, else `dflt`. */
function option(name, dflt) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
}

module.exports = { built, packages, option };
