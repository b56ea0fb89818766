// `npm run bundle-size`: what the portal's first page costs to load, from the build's manifest: the entry
// chunk with every chunk it imports statically (route pages are lazy and come later) and their CSS, raw
// and gzipped. Run after `npm run build`.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = 'dist/app';
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));
const entry = Object.values(manifest).find((c) => c.isEntry && c.src === 'index.html');
if (!entry) throw new Error('no portal entry (index.html) in the manifest');

const files = new Set();
const walk = (c) => {
  if (files.has(c.file)) return;
  files.add(c.file);
  for (const css of c.css ?? []) files.add(css);
  for (const i of c.imports ?? []) walk(manifest[i]);
};
walk(entry);

let raw = 0;
let gz = 0;
for (const f of files) {
  const b = readFileSync(join(dist, f));
  raw += b.length;
  gz += gzipSync(b, { level: 9 }).length;
}
const lazy = Object.values(manifest).filter((c) => c.isDynamicEntry).length;
console.log(`initial load: ${files.size} files, ${(raw / 1024).toFixed(0)} KiB, ${(gz / 1024).toFixed(0)} KiB gzipped; ${lazy} lazy route chunks`);
