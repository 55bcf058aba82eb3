import { defineConfig } from 'electron-vite';
import { fileURLToPath } from 'node:url';
import renderer from './renderer/vite.config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Main and preload are bundled with their pure-JS dependencies (electron-store, axios, zod,
 * pino…); only `dependencies` in package.json (keytar, a native module) stay external, so the
 * installer carries nothing else. The sandboxed preload is one CommonJS file.
 */
export default defineConfig({
  main: {
    build: {
      outDir: here('./out/main'),
      lib: { entry: here('./main/index.ts'), formats: ['es'] },
      externalizeDeps: true,
    },
  },
  preload: {
    build: {
      outDir: here('./out/preload'),
      lib: { entry: here('./preload/index.ts'), formats: ['cjs'] },
      externalizeDeps: false,
      rollupOptions: { external: ['electron'], output: { entryFileNames: 'index.cjs' } },
    },
  },
  renderer: {
    ...renderer,
    build: {
      ...renderer.build,
      rollupOptions: { input: here('./renderer/index.html') },
    },
  },
});
