import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The workbench renderer. `base: './'` keeps every asset URL relative, so the same build loads from the
 * sandbox server (`/`) and from a file in the desktop window. Nothing is inlined into index.html: the page is
 * served with a CSP that allows scripts and styles from its own origin only.
 */
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: true,
    modulePreload: { polyfill: false },
  },
});
