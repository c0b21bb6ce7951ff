// Copies the third-party browser assets installed by npm into static/vendor/.
// static/vendor/ is git-ignored: nothing third-party is committed.
import { cpSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nm = join(root, "node_modules");
const out = join(root, "static", "vendor");

const copies = [
  ["katex/dist/katex.min.js", "katex/katex.min.js"],
  ["katex/dist/katex.min.css", "katex/katex.min.css"],
  ["katex/dist/contrib/auto-render.min.js", "katex/contrib/auto-render.min.js"],
  ["katex/dist/fonts", "katex/fonts"],
  ["katex/LICENSE", "katex/LICENSE"],
  ["mathlive/mathlive.min.js", "mathlive/mathlive.min.js"],
  ["mathlive/mathlive-static.css", "mathlive/mathlive-static.css"],
  ["mathlive/fonts", "mathlive/fonts"],
  ["mathlive/sounds", "mathlive/sounds"],
  ["mathlive/LICENSE.txt", "mathlive/LICENSE.txt"],
  // The accessibility audit the browser tests inject (never loaded by the site's pages).
  ["axe-core/axe.min.js", "axe-core/axe.min.js"],
  ["axe-core/LICENSE", "axe-core/LICENSE"],
];

rmSync(out, { recursive: true, force: true });
for (const [from, to] of copies) {
  const src = join(nm, from);
  if (!existsSync(src)) {
    console.error(`missing ${src}: run "npm ci" first`);
    process.exit(1);
  }
  mkdirSync(dirname(join(out, to)), { recursive: true });
  cpSync(src, join(out, to), { recursive: true });
}
console.log(`copied ${copies.length} vendor assets into static/vendor/`);
