#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step after `npm install`.
import { setFlagsFromString } from 'node:v8';
import { register } from 'tsx/esm/api';

// A larger young generation: the server allocates heavily per request (parsing, indexing), and
// V8's default 16 MB semi-space made garbage collection ~15% of ingest time. Set here, it reaches
// the worker threads started later (the SQLite writer and readers: 64 MB of new space instead of
// 32), not this thread, whose heap is sized before this runs; for this thread too, pass it to node
// (`node --max-semi-space-size=32 bin/meridian.js serve`). On the search mix that made no
// difference measurable through this machine's noise (±15%), so the launch commands leave it out.
setFlagsFromString('--max-semi-space-size=32');
register();
await import('../src/cli/main.ts');
