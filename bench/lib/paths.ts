import { fileURLToPath } from 'node:url';

/** Where bench databases live (gitignored, reused between runs where the bench allows it). */
export const DATA_DIR = fileURLToPath(new URL('../.data/', import.meta.url));
