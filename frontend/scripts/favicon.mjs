// Renders public/favicon.svg at 16 and 32 pixels in chromium and writes public/favicon.ico: an ICO whose
// two images are PNGs (allowed since Windows Vista; every current browser reads them). Run it after
// changing the SVG (`npm run favicon`) and commit both: the .ico is a source file, not a build product,
// so building the portal needs no browser. CHROMIUM: the browser binary (default /usr/bin/chromium).
import { readFile, writeFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const svgPath = new URL('../public/favicon.svg', import.meta.url);
const icoPath = new URL('../public/favicon.ico', import.meta.url);
const svg = await readFile(svgPath, 'utf8');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
const sizes = [16, 32];
const pngs = [];
try {
  for (const size of sizes) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const src = 'data:image/svg+xml;base64,' + Buffer.from(svg).toString('base64');
    await page.setContent(`<style>html,body{margin:0;background:transparent}</style><img src="${src}" width="${size}" height="${size}">`);
    await page.waitForFunction(() => document.querySelector('img').complete);
    pngs.push(await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }));
    await page.close();
  }
} finally {
  await browser.close();
}

// ICONDIR (6 bytes), one ICONDIRENTRY (16 bytes) per image, then the images.
const header = Buffer.alloc(6 + 16 * pngs.length);
header.writeUInt16LE(0, 0); // reserved
header.writeUInt16LE(1, 2); // type: icon
header.writeUInt16LE(pngs.length, 4);
let offset = header.length;
pngs.forEach((png, i) => {
  const e = 6 + 16 * i;
  header.writeUInt8(sizes[i], e); // width (0 would mean 256)
  header.writeUInt8(sizes[i], e + 1); // height
  header.writeUInt8(0, e + 2); // no palette
  header.writeUInt8(0, e + 3); // reserved
  header.writeUInt16LE(1, e + 4); // colour planes
  header.writeUInt16LE(32, e + 6); // bits per pixel
  header.writeUInt32LE(png.length, e + 8);
  header.writeUInt32LE(offset, e + 12);
  offset += png.length;
});
await writeFile(icoPath, Buffer.concat([header, ...pngs]));
console.log(`wrote ${icoPath.pathname}: ${sizes.join(' and ')} pixels, ${offset} bytes`);
