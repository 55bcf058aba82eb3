import { defineConfig } from 'electron-vite';
import { fileURLToPath } from 'node:url';
import renderer from './renderer/vite.config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Main and preload are bundled with their pure-JS dependencies (electron-store, axios, zod,
 * pino…); only keytar, the native keychain module and the package's one optional dependency,
 * stays external, so the installer carries nothing else. The sandboxed preload is one CommonJS
 * file.
 */
export default defineConfig({
  main: {
    build: {
      outDir: here('./out/main'),
      lib: { entry: here('./main/index.ts'), formats: ['es'] },
      // keytar is an optionalDependency (an install without libsecret still succeeds), which
      // electron-vite does not externalize by itself; main loads it by name at run time.
      externalizeDeps: { include: ['keytar'] },
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
