import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

// Two pages: the portal at / (index.html, src/portal/) and GraphiQL at /graphiql (graphiql/index.html,
// src/graphiql/; the server serves it in development mode only). The build goes to dist/app/, which the Go
// server embeds (embed.go); dist/README.md stays so that a fresh clone, with nothing built, still compiles.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist/app',
    emptyOutDir: true,
    manifest: true, // scripts/bundle-size.mjs reads which chunks the first page loads
    // Every asset is its own file: inlined scripts or styles would need a weaker Content-Security-Policy.
    assetsInlineLimit: 0,
    reportCompressedSize: false, // the gzip sizes cost time on every build
    chunkSizeWarningLimit: 2000, // GraphiQL (CodeMirror, graphql-js) is one large chunk; it is dev-only
    rollupOptions: {
      input: {
        portal: resolve(import.meta.dirname, 'index.html'),
        graphiql: resolve(import.meta.dirname, 'graphiql/index.html'),
      },
    },
  },
  server: {
    // `npm run dev`: the Vite dev server on :5173 sends API calls to a server started by `make run`.
    proxy: { '/graphql': 'http://localhost:8080' },
  },
});
