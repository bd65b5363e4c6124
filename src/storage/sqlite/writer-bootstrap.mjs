// Starts the SQLite writer thread from its TypeScript source (no build step), as bin/meridian.js does.
import { register } from 'tsx/esm/api';

register();
await import('./writer-thread.ts');
